import Glibc

/// Waits on the sockets of every probe in flight at once (`poll`; waits round to whole
/// milliseconds, at least 1, so a wait never spins).
///
/// ```swift
/// let ready = try ProbePoll.ready([pollfd(fd: fd, events: Int16(POLLIN), revents: 0)], until: .now + .seconds(1))
/// if ready.first?.revents ?? 0 != 0 { … }
/// ```
enum ProbePoll {
    /// `fds` after the wait, in the same order, each `revents` saying what happened (0: nothing);
    /// empty once `deadline` has passed.
    static func ready(_ fds: [pollfd], until deadline: ContinuousClock.Instant) throws(TraceError) -> [pollfd] {
        var fds = fds
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return [] }
            let count = poll(&fds, nfds_t(fds.count), SocketPoll.milliseconds(left))
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .socket(call: "poll", errno: errno) }
            if count == 0 { continue }
            return fds
        }
    }
}
