import FoundationEssentials

/// One pScheduler `tdata` record (throughput result intervals and summaries).
///
/// pScheduler's quirks are kept: `stream-id` is the socket fd, `throughput-bytes` is the byte
/// count, `rtt` is integer microseconds. Unset keys are omitted (the schema forbids unknown keys).
public struct ThroughputData: Sendable, Equatable, Codable {
    public var streamID: Int32?
    public var start: Double
    public var end: Double
    public var throughputBits: Double
    public var throughputBytes: Int64
    public var receiverThroughputBits: Double?
    public var retransmits: Int?
    public var rtt: Int?
    public var omitted: Bool?
    /// UDP only: datagrams sent, datagrams lost, and RFC 1889 jitter in milliseconds.
    public var sent: Int?
    public var lost: Int?
    public var jitter: Double?

    enum CodingKeys: String, CodingKey {
        case streamID = "stream-id", start, end, throughputBits = "throughput-bits", throughputBytes = "throughput-bytes"
        case receiverThroughputBits = "receiver-throughput-bits", retransmits, rtt, omitted, sent, lost, jitter
    }

    public init(streamID: Int32? = nil, start: Double, end: Double, bytes: Int64, retransmits: Int? = nil, rtt: Int? = nil, omitted: Bool? = nil) {
        self.streamID = streamID
        self.start = start
        self.end = end
        throughputBytes = bytes
        throughputBits = end > start ? Double(bytes) * 8 / (end - start) : 0
        self.retransmits = retransmits
        self.rtt = rtt
        self.omitted = omitted
    }
}

/// Streams plus their sum, the shape of each interval and of the summary.
public struct ThroughputPeriod: Sendable, Equatable, Codable {
    public var streams: [ThroughputData]
    public var summary: ThroughputData
}

/// A throughput result shaped like pScheduler's (`summary.summary.throughput-bits`).
///
/// ```swift
/// let bits = try ThroughputResult.decode(json: text).summary?.summary.throughputBits
/// ```
public struct ThroughputResult: Sendable, Equatable, Codable {
    public var schema: Int
    public var succeeded: Bool
    public var error: String?
    public var diags: String
    public var intervals: [ThroughputPeriod]
    public var summary: ThroughputPeriod?

    public init(succeeded: Bool = true, error: String? = nil, diags: String = "", intervals: [ThroughputPeriod] = [], summary: ThroughputPeriod? = nil) {
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

    /// Keys sorted so the output is stable for diffs and tests.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> ThroughputResult {
        try JSONDecoder().decode(ThroughputResult.self, from: Data(json.utf8))
    }
}
