/// When a throughput run whose peer was busy tries again: after a random back-off, so two hosts
/// that test each other at the same second (each one's responder refusing the other while its
/// own client runs) draw different delays and run one after the other, and only while a run
/// started then still ends before the test's next nominal start.
///
/// The back-off window doubles with each busy answer (`initialWindow`, 2×, 4×, …) up to
/// `maximumWindow`, and a delay is never drawn past `latestStart`: the slip's end, or later, up
/// to the next period's start less the run's duration, when the slip is exhausted.
///
/// ```swift
/// let policy = BusyRetryPolicy(schedule: test.schedule)
/// let latest = policy.latestStart(nominal: nominal)
/// if let next = policy.nextStart(now: clock.now(), busyAnswers: 1, latest: latest, using: &rng) { … }
/// ```
public struct BusyRetryPolicy: Sendable, Equatable {
    /// The shortest back-off: long enough for a peer's control connection to be accepted.
    public var minimumDelay: Double
    /// The back-off window after the first busy answer.
    public var initialWindow: Double
    /// The widest window: about one run, so a retry lands after the peer's test.
    public var maximumWindow: Double
    public var schedule: RunSchedule

    public init(schedule: RunSchedule, minimumDelay: Double = 0.5, initialWindow: Double = 2) {
        self.schedule = schedule
        self.minimumDelay = minimumDelay
        self.initialWindow = max(minimumDelay, initialWindow)
        maximumWindow = max(self.initialWindow, Double(schedule.durationSeconds))
    }

    /// The latest second a retry may start: the slip's end, or the next nominal start less the
    /// run's duration when that is later (a run then still ends before its successor's turn).
    public func latestStart(nominal: Int64) -> Double {
        let slipEnd = nominal + Int64(schedule.effectiveSlipSeconds)
        let beforeNext = nominal + Int64(schedule.repeatSeconds) - Int64(schedule.durationSeconds)
        return Double(max(slipEnd, beforeNext))
    }

    /// The back-off window after `busyAnswers` busy answers (1, 2, …).
    public func window(busyAnswers: Int) -> Double {
        var window = initialWindow
        for _ in 1..<max(1, busyAnswers) where window < maximumWindow { window *= 2 }
        return min(window, maximumWindow)
    }

    /// When to try again, uniformly at random (millisecond steps) in
    /// `now + minimumDelay … now + min(window, latest − now)`; nil when not even the shortest
    /// back-off fits before `latest`, and the run is archived as failed.
    public func nextStart(now: Double, busyAnswers: Int, latest: Double, using rng: inout some RandomNumberGenerator)
        -> Double?
    {
        let upper = min(window(busyAnswers: busyAnswers), latest - now)
        guard upper >= minimumDelay else { return nil }
        let steps = Int64(((upper - minimumDelay) * 1000).rounded(.down))
        let delay = minimumDelay + Double(steps > 0 ? Int64.random(in: 0...steps, using: &rng) : 0) / 1000
        return now + delay
    }
}
