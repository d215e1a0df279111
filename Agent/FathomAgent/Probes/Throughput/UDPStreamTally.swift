/// What one UDP stream counted: the bytes and per-second bytes every stream has (`transfer`), plus
/// datagram counts, and on the receiving side loss, reordering and jitter.
///
/// Per-interval figures follow iperf3's interval reports: a sender's datagrams sent; a receiver's
/// rise of the highest packet number, change of the lost count, and jitter at the interval's end.
///
/// ```swift
/// let tally = UDPStreamTransfer(…).run()
/// print(tally.transfer.bytes, tally.packets, tally.lost, tally.jitter * 1000)   // bytes, datagrams, lost, ms
/// ```
public struct UDPStreamTally: Sendable, Equatable {
    /// Stream id, socket, direction, bytes, per-second bytes and duration, as for a TCP stream.
    public var transfer: StreamTransfer.Tally
    /// Sender: datagrams sent. Receiver: the highest packet number seen (iperf3's `packet_count`).
    public var packets: Int
    /// Receiver only: datagrams lost (gaps in the packet numbers).
    public var lost: Int
    /// Receiver only: datagrams that arrived after a higher-numbered one.
    public var outOfOrder: Int
    /// Receiver only: RFC 1889 jitter in seconds.
    public var jitter: Double
    /// Receiver only: datagrams too short to hold a header (counted in bytes, not in packets).
    public var malformed: Int
    public var intervalPackets: [Int]
    public var intervalLost: [Int]
    /// Jitter in seconds at the end of each interval (carried over intervals without datagrams).
    public var intervalJitter: [Double]

    public init(
        transfer: StreamTransfer.Tally, packets: Int, lost: Int = 0, outOfOrder: Int = 0, jitter: Double = 0,
        malformed: Int = 0,
        intervalPackets: [Int], intervalLost: [Int]? = nil, intervalJitter: [Double]? = nil
    ) {
        self.transfer = transfer
        self.packets = packets
        self.lost = lost
        self.outOfOrder = outOfOrder
        self.jitter = jitter
        self.malformed = malformed
        self.intervalPackets = intervalPackets
        self.intervalLost = intervalLost ?? [Int](repeating: 0, count: intervalPackets.count)
        self.intervalJitter = intervalJitter ?? [Double](repeating: 0, count: intervalPackets.count)
    }
}

extension StreamTransfer.Tally {
    /// A tally built outside `StreamTransfer` (UDP streams, tests); no TCP figures.
    public static func make(
        streamID: Int, socket: Int32, sending: Bool, bytes: Int64, intervalBytes: [Int64], seconds: Double
    ) -> StreamTransfer.Tally {
        StreamTransfer.Tally(
            streamID: streamID, socket: socket, sending: sending, bytes: bytes, intervalBytes: intervalBytes,
            intervalRetransmits: nil, retransmits: nil, rttMicroseconds: nil, seconds: seconds)
    }
}
