import Glibc

/// Waits on the sockets of every probe in flight at once (``SocketPoll``) until one of them
/// gives an answer.
///
/// ```swift
/// let outcomes = try ProbePoll.answers(probes, events: Int16(POLLIN), until: .now + .seconds(1)) { index, revents in
///     readAnswer(probes[index])
/// }
/// ```
enum ProbePoll {
    /// The answer loop of a prober's `TraceProbing.answers`: waits on every probe's socket for
    /// `events` until `read` makes an answer of at least one, or `deadline` passes; each probe's
    /// answer at its index in `probes`, nil where none came (all nil at the deadline). `read` is
    /// given the index of a socket with events and what happened; a probe keeps its first answer.
    static func answers(
        _ probes: [SentProbe], events: Int16, until deadline: ContinuousClock.Instant,
        read: (_ index: Int, _ revents: Int16) -> ProbeOutcome?
    ) throws(TraceError) -> [ProbeOutcome?] {
        var found = [ProbeOutcome?](repeating: nil, count: probes.count)
        var fds = probes.map { pollfd(fd: $0.socket, events: events, revents: 0) }
        while true {
            guard try SocketPoll.wait(&fds, until: deadline, failure: TraceError.poll) else { return found }
            var answered = false
            for index in fds.indices where fds[index].revents != 0 {
                if let outcome = read(index, fds[index].revents), found[index] == nil {
                    found[index] = outcome
                    answered = true
                }
            }
            if answered { return found }
        }
    }
}
