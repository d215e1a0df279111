import Glibc

/// `poll(2)` on one descriptor with a deadline, retried on EINTR: the wait behind every socket
/// read, write, accept and datagram receive in the throughput code; the trace probers use its
/// timeout conversion for their own poll loops (they also look at the error queue).
///
/// ```swift
/// guard try SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: .now + .seconds(5)) else { return nil }   // timed out
/// let n = recv(fd, buffer, count, Int32(MSG_DONTWAIT))
/// ```
enum SocketPoll {
    /// Polls `fd` for `events` until `deadline`; false on timeout. Any readiness counts, hang-ups
    /// and errors included, so the following call sees the EOF or the error.
    static func wait(fd: Int32, for events: Int16, deadline: ContinuousClock.Instant) throws(ThroughputError) -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return false }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, milliseconds(left))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { throw .socket(call: "poll", errno: errno) }
            if ready > 0 { return true }
        }
    }

    /// `poll(2)`'s timeout for `duration`: whole milliseconds, at least 1 so a wait never spins.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }
}
