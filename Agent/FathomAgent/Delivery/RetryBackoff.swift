/// How long to wait before retrying a failed upload: exponential backoff with full jitter.
///
/// The ceiling for attempt `n` is `min(cap, base * factor^n)`; the delay is uniform in
/// `[0, ceiling]`. Full jitter (rather than a fixed exponential schedule) keeps hosts that failed
/// together during a receiver outage from retrying in lockstep when it comes back.
///
/// ```swift
/// let backoff = RetryBackoff()  // 1 s base, doubling, 300 s cap
/// try await Task.sleep(for: backoff.delay(attempt: failures, using: &rng))
/// ```
public struct RetryBackoff: Sendable, Equatable {
    /// Ceiling of the first retry (attempt 0).
    public let base: Duration
    /// Growth of the ceiling per attempt.
    public let factor: Double
    /// No delay ever exceeds this.
    public let cap: Duration

    /// Values are clamped so a bad config cannot produce negative or shrinking delays:
    /// `base` and `cap` at least zero, `cap` at least `base`, `factor` at least 1.
    public init(base: Duration = .seconds(1), factor: Double = 2, cap: Duration = .seconds(300)) {
        let base = max(base, .zero)
        self.base = base
        self.factor = factor.isNaN ? 1 : max(factor, 1)
        self.cap = max(cap, base)
    }

    /// The largest delay attempt `attempt` (0-based; negative counts as 0) may get.
    public func ceiling(attempt: Int) -> Duration {
        let capNanos = Self.nanoseconds(cap)
        // Computed in Double so huge attempt numbers saturate to infinity instead of overflowing.
        let grown = Double(Self.nanoseconds(base)) * Self.power(factor, max(attempt, 0))
        return .nanoseconds(grown >= Double(capNanos) ? capNanos : Int64(grown))
    }

    /// A delay uniform in `[0, ceiling(attempt:)]`.
    public func delay<R: RandomNumberGenerator>(attempt: Int, using rng: inout R) -> Duration {
        .nanoseconds(Int64.random(in: 0...Self.nanoseconds(ceiling(attempt: attempt)), using: &rng))
    }

    private static func power(_ factor: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(exponent, 2048) {
            result *= factor
            if result.isInfinite { break }
        }
        return result
    }

    /// Whole nanoseconds, saturating at Int64.max (about 292 years).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || overflow2 ? (seconds < 0 ? .min : .max) : total
    }
}
