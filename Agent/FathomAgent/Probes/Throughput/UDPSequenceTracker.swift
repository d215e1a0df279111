/// Loss and reordering from the packet numbers of one UDP stream, counted exactly as iperf3's
/// receiver does (`iperf_udp_recv`).
///
/// A number above the highest seen so far moves the highest up and counts the gap as lost; a number
/// at or below it is out of order and takes one back from the lost count (it was counted in a gap).
/// Duplicates therefore read as out of order, as in iperf3. Counts saturate rather than trap, so
/// a garbage packet number cannot crash the agent.
///
/// ```swift
/// var tracker = UDPSequenceTracker()
/// for number in [1, 2, 5, 3] as [UInt64] { tracker.record(number) }
/// // highest 5, lost 1 (4 is missing), outOfOrder 1 (3 arrived after 5)
/// ```
public struct UDPSequenceTracker: Sendable, Equatable {
    /// The highest packet number seen (iperf3's `packet_count` on the receiving side).
    public private(set) var highest: UInt64 = 0
    /// Datagrams lost (iperf3's `cnt_error`).
    public private(set) var lost = 0
    /// Datagrams that arrived after a higher-numbered one (iperf3's `outoforder_packets`).
    public private(set) var outOfOrder = 0
    /// Datagrams recorded.
    public private(set) var received = 0

    public init() {}

    public mutating func record(_ packetNumber: UInt64) {
        received += 1
        if packetNumber > highest {
            let gap = packetNumber - highest - 1
            if gap > 0 {
                let (sum, overflow) = lost.addingReportingOverflow(Int(clamping: gap))
                lost = overflow ? Int.max : sum
            }
            highest = packetNumber
        } else {
            outOfOrder += 1
            if lost > 0 { lost -= 1 }
        }
    }

    /// `highest` as an Int, saturated (what goes into results as `packets`).
    public var highestCount: Int { Int(clamping: highest) }
}
