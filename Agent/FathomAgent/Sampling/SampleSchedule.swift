#if canImport(Glibc)
    import Glibc
#endif

/// When samples are taken: at wall-clock multiples of the interval (every 5 minutes means :00,
/// :05, …), like sonar's daemon and the cron lines it replaced, so samples from all nodes line up.
public struct SampleSchedule: Sendable, Equatable {
    public var intervalSeconds: Int

    public init(intervalSeconds: Int) {
        precondition(intervalSeconds > 0)
        self.intervalSeconds = intervalSeconds
    }

    /// The first aligned instant strictly after `now` (Unix seconds, may be fractional).
    public func nextTick(after now: Double) -> Double {
        let i = Double(intervalSeconds)
        return (now / i).rounded(.down) * i + i
    }

    /// The current wall-clock time in Unix seconds.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
