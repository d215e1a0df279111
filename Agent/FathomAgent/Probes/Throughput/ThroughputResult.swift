import FathomShared

/// One pScheduler `tdata` record (throughput result intervals and summaries).
///
/// pScheduler's quirks are kept: `stream-id` is the socket fd, `throughput-bytes` is the byte
/// count, `rtt` is integer microseconds, `tcp-window-size` is the sender's congestion window in
/// bytes (`snd_cwnd`). Unset keys are omitted (the schema forbids unknown keys).
public struct ThroughputData: Sendable, Equatable {
    public var streamID: Int32?
    public var start: Double
    public var end: Double
    public var throughputBits: Double
    public var throughputBytes: Int64
    public var receiverThroughputBits: Double?
    public var retransmits: Int?
    public var rtt: Int?
    /// The sender's congestion window in bytes at the end of the interval (iperf3's `snd_cwnd`).
    public var tcpWindowSize: Int?
    public var omitted: Bool?
    /// UDP only: datagrams sent, datagrams lost, and RFC 1889 jitter in milliseconds.
    public var sent: Int?
    public var lost: Int?
    public var jitter: Double?

    public init(
        streamID: Int32? = nil, start: Double, end: Double, bytes: Int64, retransmits: Int? = nil, rtt: Int? = nil,
        tcpWindowSize: Int? = nil, omitted: Bool? = nil
    ) {
        self.streamID = streamID
        self.tcpWindowSize = tcpWindowSize
        self.start = start
        self.end = end
        throughputBytes = bytes
        throughputBits = end > start ? Double(bytes) * 8 / (end - start) : 0
        self.retransmits = retransmits
        self.rtt = rtt
        self.omitted = omitted
    }

    /// pScheduler's key names; unset keys are left out.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "start": .number(start), "end": .number(end), "throughput-bits": .number(throughputBits),
            "throughput-bytes": .integer(throughputBytes),
        ]
        if let streamID { members["stream-id"] = .integer(Int64(streamID)) }
        if let receiverThroughputBits { members["receiver-throughput-bits"] = .number(receiverThroughputBits) }
        if let retransmits { members["retransmits"] = .integer(Int64(retransmits)) }
        if let rtt { members["rtt"] = .integer(Int64(rtt)) }
        if let tcpWindowSize { members["tcp-window-size"] = .integer(Int64(tcpWindowSize)) }
        if let omitted { members["omitted"] = .bool(omitted) }
        if let sent { members["sent"] = .integer(Int64(sent)) }
        if let lost { members["lost"] = .integer(Int64(lost)) }
        if let jitter { members["jitter"] = .number(jitter) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "throughput data")
        streamID = try fields.optionalInteger("stream-id")
        start = try fields.double("start")
        end = try fields.double("end")
        throughputBits = try fields.double("throughput-bits")
        throughputBytes = try fields.integer("throughput-bytes")
        receiverThroughputBits = try fields.optionalDouble("receiver-throughput-bits")
        retransmits = try fields.optionalInteger("retransmits")
        rtt = try fields.optionalInteger("rtt")
        tcpWindowSize = try fields.optionalInteger("tcp-window-size")
        omitted = try fields.optionalBool("omitted")
        sent = try fields.optionalInteger("sent")
        lost = try fields.optionalInteger("lost")
        jitter = try fields.optionalDouble("jitter")
    }
}

/// Streams plus their sum, the shape of each interval and of the summary.
public struct ThroughputPeriod: Sendable, Equatable {
    public var streams: [ThroughputData]
    public var summary: ThroughputData

    public init(streams: [ThroughputData], summary: ThroughputData) {
        self.streams = streams
        self.summary = summary
    }

    public var json: JSONValue { .object(["streams": .array(streams.map(\.json)), "summary": summary.json]) }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "throughput period")
        var streams: [ThroughputData] = []
        for stream in try fields.optionalArray("streams") ?? [] { streams.append(try ThroughputData(json: stream)) }
        guard let summary = fields["summary"] else {
            throw JSONFields.Mismatch("throughput period lacks object 'summary'")
        }
        self.init(streams: streams, summary: try ThroughputData(json: summary))
    }
}

/// A throughput result shaped like pScheduler's (`summary.summary.throughput-bits`).
///
/// ```swift
/// let bits = try ThroughputResult.decode(json: text).summary?.summary.throughputBits
/// ```
public struct ThroughputResult: Sendable, Equatable {
    public var schema: Int
    public var succeeded: Bool
    public var error: String?
    public var diags: String
    public var intervals: [ThroughputPeriod]
    public var summary: ThroughputPeriod?

    public init(
        succeeded: Bool = true, error: String? = nil, diags: String = "", intervals: [ThroughputPeriod] = [],
        summary: ThroughputPeriod? = nil
    ) {
        schema = 1
        self.succeeded = succeeded
        self.error = error
        self.diags = diags
        self.intervals = intervals
        self.summary = summary
    }

    /// A result for a test that could not run, with the reason in `error`.
    public static func failure(_ message: String) -> ThroughputResult {
        ThroughputResult(succeeded: false, error: message)
    }

    /// pScheduler's schema requires `summary` even of a failed run; one without a measurement
    /// writes it empty (`{}`, which the schema allows) and reads it back as nil.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .integer(Int64(schema)), "succeeded": .bool(succeeded), "diags": .string(diags),
            "intervals": .array(intervals.map(\.json)), "summary": summary?.json ?? .object([:]),
        ]
        if let error { members["error"] = .string(error) }
        return .object(members)
    }

    /// Reads a result this type wrote. Only `succeeded` is required: a failure written by an
    /// older agent had no `schema`, `diags` or `intervals`, and records spooled then still read.
    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "throughput result")
        var intervals: [ThroughputPeriod] = []
        for interval in try fields.optionalArray("intervals") ?? [] {
            intervals.append(try ThroughputPeriod(json: interval))
        }
        var summary: ThroughputPeriod?
        if let period = fields["summary"], period != .object([:]) { summary = try ThroughputPeriod(json: period) }
        self.init(
            succeeded: try fields.bool("succeeded"), error: try fields.optionalString("error"),
            diags: try fields.optionalString("diags") ?? "", intervals: intervals, summary: summary)
        schema = try fields.optionalInteger("schema") ?? 1
    }

    /// Keys sorted so the output is stable for diffs and tests.
    public func jsonString() -> String { JSONText.string(json) }

    /// Decodes a pScheduler throughput result (the CLI's output, in tests and benchmarks).
    public static func decode(json: String) throws -> ThroughputResult {
        try ThroughputResult(json: try JSONText.parse(Array(json.utf8)))
    }
}
