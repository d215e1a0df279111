import Glibc

/// `poll(2)` with a deadline, retried on EINTR: the one wait behind every socket the agent reads,
/// writes or accepts on — throughput streams and listeners, trace and rtt probes, DNS lookups,
/// the HTTPS client (only the TLS relay's carry loop calls `poll` itself: with bytes already
/// decrypted it must look without waiting). Waits round up to whole milliseconds, at least 1,
/// so a wait never spins. A failed `poll` becomes the caller's own error (`failure` is given
/// its errno).
///
/// ```swift
/// let deadline = ContinuousClock.now + .seconds(5)
/// guard try SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: deadline, failure: ThroughputError.poll) else {
///     return nil   // timed out
/// }
/// ```
enum SocketPoll {
    /// Polls `fds` until at least one has events or `deadline` passes: true with each `revents`
    /// saying what happened, false on timeout. Any readiness counts, hang-ups and errors
    /// included, so the call that follows sees the EOF or the error.
    static func wait<Failure: Error>(
        _ fds: inout [pollfd], until deadline: ContinuousClock.Instant, failure: (Int32) -> Failure
    ) throws(Failure) -> Bool {
        let count = nfds_t(fds.count)
        let outcome = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress!, count, until: deadline) }
        if let code = outcome.errno { throw failure(code) }
        return outcome.ready
    }

    /// ``wait(_:until:failure:)`` on one descriptor.
    static func wait<Failure: Error>(
        fd: Int32, for events: Int16, deadline: ContinuousClock.Instant, failure: (Int32) -> Failure
    ) throws(Failure) -> Bool {
        var one = pollfd(fd: fd, events: events, revents: 0)
        let outcome = poll(&one, 1, until: deadline)
        if let code = outcome.errno { throw failure(code) }
        return outcome.ready
    }

    /// The loop itself: ready, timed out (neither), or poll's errno.
    private static func poll(
        _ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, until deadline: ContinuousClock.Instant
    ) -> (ready: Bool, errno: Int32?) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return (false, nil) }
            let ready = Glibc.poll(fds, count, milliseconds(left))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return (false, errno) }
            if ready > 0 { return (true, nil) }
        }
    }

    /// `poll(2)`'s timeout for `duration`: whole milliseconds, at least 1 so a wait never spins.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        // Seconds capped first: poll's longest wait is Int32.max ms, and a far deadline must not overflow.
        return Int32(clamping: max(1, min(seconds, Int64(Int32.max)) * 1000 + attoseconds / 1_000_000_000_000_000))
    }
}
