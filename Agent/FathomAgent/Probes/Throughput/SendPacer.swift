import Glibc

/// Paces one stream's sender to an average rate since the stream's start, as iperf3 does per
/// stream (`iperf_check_throttle`): before each send, a sender ahead of `bitsPerSecond` sleeps off
/// its lead; one behind sends at once, so short stalls are made up and the average holds.
///
/// Both senders use it: `StreamTransfer` (TCP, iperf3's `-b`) and `UDPStreamTransfer` (which
/// must not burst a second's worth of datagrams into a receiver's buffer).
///
/// ```swift
/// let pacer = SendPacer(bitsPerSecond: 50_000_000, start: .now)
/// while … {
///     if let wait = pacer.lead(sentBytes: total) { pacer.sleep(wait, atMost: .milliseconds(50)); continue }
///     total += send(…)
/// }
/// ```
public struct SendPacer: Sendable {
    /// Bits per second; nil sends as fast as the socket takes it.
    public let bitsPerSecond: Int?
    public let start: ContinuousClock.Instant

    public init(bitsPerSecond: Int?, start: ContinuousClock.Instant) {
        self.bitsPerSecond = bitsPerSecond.flatMap { $0 > 0 ? $0 : nil }
        self.start = start
    }

    /// How far ahead of the rate `sentBytes` is at `now`; nil when it may send.
    public func lead(sentBytes: Int64, now: ContinuousClock.Instant = .now) -> Duration? {
        guard let bitsPerSecond else { return nil }
        let due = Double(sentBytes) * 8 / Double(bitsPerSecond)
        let elapsed = StreamTransfer.seconds(start.duration(to: now))
        return due > elapsed ? .nanoseconds(Int64((due - elapsed) * 1e9)) : nil
    }

    /// Sleeps `lead`, but no longer than `limit` so stop flags and deadlines are still looked at.
    public func sleep(_ lead: Duration, atMost limit: Duration) {
        let (seconds, attoseconds) = min(lead, limit).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
