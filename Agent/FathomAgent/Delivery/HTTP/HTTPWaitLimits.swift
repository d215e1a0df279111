import Glibc

/// How long one request's waits may last: each wait (connect, handshake, one write, one read) at
/// most `perWait`, and all of them together no later than `deadline`. Every blocking step of the
/// HTTP client waits in ``wait(fd:for:endpoint:step:)``, so none can hang.
///
/// ```swift
/// let limits = HTTPWaitLimits(total: .seconds(60), perWait: .seconds(10))
/// try limits.wait(fd: fd, for: Int16(POLLIN), endpoint: "receiver:8443", step: "reading the response")
/// ```
struct HTTPWaitLimits: Sendable {
    let deadline: ContinuousClock.Instant
    let perWait: Duration

    init(total: Duration, perWait: Duration) {
        deadline = .now + total
        self.perWait = perWait
    }

    init(deadline: ContinuousClock.Instant, perWait: Duration) {
        self.deadline = deadline
        self.perWait = perWait
    }

    /// The same overall deadline with a shorter per-wait bound (the connect timeout).
    func capped(at bound: Duration) -> HTTPWaitLimits {
        HTTPWaitLimits(deadline: deadline, perWait: min(perWait, bound))
    }

    /// Polls `fd` until it is ready for `events`, or throws ``AgentHTTPError/timeout(endpoint:step:seconds:)``.
    /// Hang-ups and errors count as ready, so the call that follows sees them.
    func wait(fd: Int32, for events: Int16, endpoint: String, step: String) throws(AgentHTTPError) {
        let start = ContinuousClock.now
        let until = min(deadline, start + perWait)
        let ready = try SocketPoll.wait(fd: fd, for: events, deadline: until) { code in
            AgentHTTPError.io(endpoint: endpoint, step: step, reason: String(cString: strerror(code)))
        }
        if !ready {
            // The bound this wait had, not the time measured: a late wake-up does not change the message.
            let bound = start.duration(to: until)
            let seconds = Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18
            throw .timeout(endpoint: endpoint, step: step, seconds: (seconds * 10).rounded() / 10)
        }
    }
}
