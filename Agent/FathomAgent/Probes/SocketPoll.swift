import Glibc

/// `poll(2)` on one descriptor with a deadline, retried on EINTR: the wait behind every socket
/// read, write, accept and datagram receive in the throughput code.
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
            let ready = poll(&pfd, 1, TCPSocket.milliseconds(left))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { throw .socket(call: "poll", errno: errno) }
            if ready > 0 { return true }
        }
    }
}
