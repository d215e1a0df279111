import FathomShared

/// The results JSON each side sends during EXCHANGE_RESULTS (`send_results` / `get_results`).
///
/// Decoding is lenient (any key may be missing, as across iperf3 versions); iperf3's reader requires the `cpu_util_*` keys, `sender_has_retransmits` and per stream `id`,
/// `bytes`, `retransmits`, `jitter`, `errors`, `packets`; we always send them.
///
/// ```swift
/// let results = IperfResults(streams: [.init(id: 1, bytes: 1 << 30, retransmits: 0, endTime: 2.0)], sender: true)
/// let udp = IperfResults(streams: tallies.map { .init(udp: $0, endTime: 2.0) }, sender: false)
/// ```
public struct IperfResults: IperfMessage, Equatable {
    /// One stream's totals; `id` is the protocol stream id (1, 3, 4, …).
    public struct Stream: Sendable, Equatable {
        public var id: Int
        public var bytes: Int64
        /// −1 unless this side sent and could read `TCP_INFO`.
        /// Double because iperf3 3.12 writes −1 as 18446744073709551615, which no Int holds.
        public var retransmits: Double?
        /// Retransmits, with iperf3's unsigned −1 read as nil.
        public var retransmitCount: Int? { retransmits.flatMap { $0 >= 0 && $0 < 1e15 ? Int($0) : nil } }
        /// UDP receiver: RFC 1889 jitter in **seconds** (iperf3 prints it ×1000 as `jitter_ms`).
        public var jitter: Double?
        /// UDP receiver: datagrams lost (iperf3's `cnt_error`).
        public var errors: Int?
        /// UDP: datagrams sent (sender) or the highest packet number seen (receiver).
        public var packets: Int?
        public var startTime: Double?
        public var endTime: Double?

        public init(id: Int, bytes: Int64, retransmits: Int, endTime: Double) {
            self.id = id
            self.bytes = bytes
            self.retransmits = Double(retransmits)
            jitter = 0
            errors = 0
            packets = 0
            startTime = 0
            self.endTime = endTime
        }

        public var json: JSONValue {
            var members: [String: JSONValue] = ["id": .integer(Int64(id)), "bytes": .integer(bytes)]
            let numbers: [(String, Double?)] = [
                ("retransmits", retransmits), ("jitter", jitter), ("errors", errors.map(Double.init)),
                ("packets", packets.map(Double.init)), ("start_time", startTime), ("end_time", endTime),
            ]
            for (key, number) in numbers { if let number { members[key] = .cJSONNumber(number) } }
            return .object(members)
        }

        /// Lenient where iperf3 is odd: counts it wrote through an unsigned format (a negative
        /// 64-bit value reads as about 1.8e19) or as floats decode as nil rather than failing the
        /// whole results message.
        public init(json: JSONValue) throws(JSONFields.Mismatch) {
            let fields = try JSONFields(json, what: "iperf3 stream results")
            id = try fields.integer("id")
            bytes = try fields.integer("bytes")
            retransmits = try fields.optionalDouble("retransmits")
            jitter = try fields.optionalDouble("jitter")
            errors = Self.count(try fields.optionalDouble("errors"))
            packets = Self.count(try fields.optionalDouble("packets"))
            startTime = try fields.optionalDouble("start_time")
            endTime = try fields.optionalDouble("end_time")
        }

        private static func count(_ value: Double?) -> Int? {
            guard let value, value.isFinite, value >= 0, value < 9e18 else { return nil }
            return Int(value)
        }

        /// A UDP stream as iperf3 reports it: no retransmits (−1); the receiver's jitter and loss,
        /// zeros from the sender.
        public init(udp tally: UDPStreamTally, endTime: Double) {
            self.init(id: tally.transfer.streamID, bytes: tally.transfer.bytes, retransmits: -1, endTime: endTime)
            jitter = tally.transfer.sending ? 0 : tally.jitter
            errors = tally.transfer.sending ? 0 : tally.lost
            packets = tally.packets
        }
    }

    // CPU use is not measured (yet); zeros keep iperf3's reader satisfied.
    public var cpuUtilTotal: Double?
    public var cpuUtilUser: Double?
    public var cpuUtilSystem: Double?
    /// 1 when this side sent (on any stream) and has retransmit counts, −1 when it only received.
    public var senderHasRetransmits: Double?
    public var congestionUsed: String?
    public var streams: [Stream]

    public init(streams: [Stream], sender: Bool) {
        cpuUtilTotal = 0
        cpuUtilUser = 0
        cpuUtilSystem = 0
        // A bidirectional side sends on some streams only: any sending stream's count will do.
        senderHasRetransmits = sender && streams.contains { $0.retransmitCount != nil } ? 1 : -1
        self.streams = streams
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["streams": .array(streams.map(\.json))]
        let numbers: [(String, Double?)] = [
            ("cpu_util_total", cpuUtilTotal), ("cpu_util_user", cpuUtilUser), ("cpu_util_system", cpuUtilSystem),
            ("sender_has_retransmits", senderHasRetransmits),
        ]
        for (key, number) in numbers { if let number { members[key] = .cJSONNumber(number) } }
        if let congestionUsed { members["congestion_used"] = .string(congestionUsed) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "iperf3 results")
        cpuUtilTotal = try fields.optionalDouble("cpu_util_total")
        cpuUtilUser = try fields.optionalDouble("cpu_util_user")
        cpuUtilSystem = try fields.optionalDouble("cpu_util_system")
        senderHasRetransmits = try fields.optionalDouble("sender_has_retransmits")
        congestionUsed = try fields.optionalString("congestion_used")
        streams = []
        for stream in try fields.array("streams") { streams.append(try Stream(json: stream)) }
    }

    /// Bytes of all streams together.
    public var totalBytes: Int64 { streams.reduce(0) { $0 + $1.bytes } }
}
