/// The results JSON each side sends during EXCHANGE_RESULTS (`send_results` / `get_results`).
///
/// Decoding is lenient (any key may be missing, as across iperf3 versions); iperf3's reader requires the `cpu_util_*` keys, `sender_has_retransmits` and per stream `id`,
/// `bytes`, `retransmits`, `jitter`, `errors`, `packets`; we always send them.
///
/// ```swift
/// let results = IperfResults(streams: [.init(id: 1, bytes: 1 << 30, retransmits: 0, endTime: 2.0)], sender: true)
/// ```
public struct IperfResults: Sendable, Equatable, Codable {
    /// One stream's totals; `id` is the protocol stream id (1, 3, 4, …).
    public struct Stream: Sendable, Equatable, Codable {
        public var id: Int
        public var bytes: Int64
        /// −1 unless this side sent and could read `TCP_INFO`.
        /// Double because iperf3 3.12 writes −1 as 18446744073709551615, which no Int holds.
        public var retransmits: Double?
        /// Retransmits, with iperf3's unsigned −1 read as nil.
        public var retransmitCount: Int? { retransmits.flatMap { $0 >= 0 && $0 < 1e15 ? Int($0) : nil } }
        public var jitter: Double?
        public var errors: Int?
        public var packets: Int?
        public var start_time: Double?
        public var end_time: Double?

        public init(id: Int, bytes: Int64, retransmits: Int, endTime: Double) {
            self.id = id
            self.bytes = bytes
            self.retransmits = Double(retransmits)
            jitter = 0
            errors = 0
            packets = 0
            start_time = 0
            end_time = endTime
        }
    }

    // CPU use is not measured (yet); zeros keep iperf3's reader satisfied.
    public var cpu_util_total: Double?
    public var cpu_util_user: Double?
    public var cpu_util_system: Double?
    /// 1 when this side sent and has retransmit counts, −1 when it only received.
    public var sender_has_retransmits: Double?
    public var congestion_used: String?
    public var streams: [Stream]

    public init(streams: [Stream], sender: Bool) {
        cpu_util_total = 0
        cpu_util_user = 0
        cpu_util_system = 0
        sender_has_retransmits = sender && streams.allSatisfy { $0.retransmitCount != nil } ? 1 : -1
        self.streams = streams
    }

    /// Bytes of all streams together.
    public var totalBytes: Int64 { streams.reduce(0) { $0 + $1.bytes } }
}
