import Synchronization

/// The byte count a test ends on (iperf3's `-n`, or `-k` blocks times the block length), and the
/// bytes every stream of the test moved so far, sent and received apart, omitted seconds not
/// counted, as iperf3 resets `bytes_sent` when the omit timer fires.
///
/// A sender stops once the bytes sent reach the limit (so the sum overshoots by at most a block
/// per stream, as iperf3's); the client ends the test once either direction reached it.
///
/// ```swift
/// let budget = TransferBudget(limit: 10 << 20)
/// budget.record(sent: 131_072)
/// if budget.sendingDone { … }
/// ```
public final class TransferBudget: Sendable {
    /// Bytes the test ends on; nil: it ends on time.
    public let limit: Int64?
    private let sent = Atomic<Int64>(0)
    private let received = Atomic<Int64>(0)

    public init(limit: Int64?) { self.limit = limit.flatMap { $0 > 0 ? $0 : nil } }

    /// Counts bytes a stream moved after the omitted seconds.
    public func record(sent bytes: Int) { sent.add(Int64(bytes), ordering: .relaxed) }
    public func record(received bytes: Int) { received.add(Int64(bytes), ordering: .relaxed) }

    /// Whether the senders have sent the limit (never for a timed test).
    public var sendingDone: Bool { limit.map { sent.load(ordering: .relaxed) >= $0 } ?? false }
    /// Whether the receivers have received the limit (never for a timed test).
    public var receivingDone: Bool { limit.map { received.load(ordering: .relaxed) >= $0 } ?? false }
}
