import Glibc

/// Waits on the sockets of every probe in flight at once (`poll`; waits round to whole
/// milliseconds, at least 1, so a wait never spins).
///
/// ```swift
/// let ready = try ProbePoll.ready([fd1, fd2], events: Int16(POLLIN), until: .now + .seconds(1))
/// ```
enum ProbePoll {
    /// The indices (into `sockets`) of those with events, with what happened; empty once
    /// `deadline` has passed.
    static func ready(
        _ sockets: [Int32], events: Int16, until deadline: ContinuousClock.Instant
    ) throws(TraceError) -> [(index: Int, revents: Int16)] {
        var fds = sockets.map { pollfd(fd: $0, events: events, revents: 0) }
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return [] }
            let count = poll(&fds, nfds_t(fds.count), SocketPoll.milliseconds(left))
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .socket(call: "poll", errno: errno) }
            if count == 0 { continue }
            return fds.indices.filter { fds[$0].revents != 0 }.map { ($0, fds[$0].revents) }
        }
    }
}
