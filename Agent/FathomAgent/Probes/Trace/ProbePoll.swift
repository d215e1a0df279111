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

    /// The answer loop of a prober's `TraceProbing.answers`: waits on every probe's socket for
    /// `events` until `read` makes an answer of at least one, or `deadline` passes; each probe's
    /// answer at its index in `probes`, nil where none came (all nil at the deadline). `read` is
    /// given the index of a socket with events and what happened; a probe keeps its first answer.
    static func answers(
        _ probes: [SentProbe], events: Int16, until deadline: ContinuousClock.Instant,
        read: (_ index: Int, _ revents: Int16) -> ProbeOutcome?
    ) throws(TraceError) -> [ProbeOutcome?] {
        let fds = probes.map { pollfd(fd: $0.socket, events: events, revents: 0) }
        var found = [ProbeOutcome?](repeating: nil, count: probes.count)
        while true {
            let ready = try ready(fds, until: deadline)
            if ready.isEmpty { return found }
            var answered = false
            for index in ready.indices where ready[index].revents != 0 {
                if let outcome = read(index, ready[index].revents), found[index] == nil {
                    found[index] = outcome
                    answered = true
                }
            }
            if answered { return found }
        }
    }
}
