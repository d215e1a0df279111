import Glibc

/// Wall-clock time for the scheduler, injectable so tests run days of schedule in milliseconds.
///
/// ```swift
/// let clock = SystemMeasurementClock()
/// try await clock.sleep(until: clock.now() + 2)
/// ```
public protocol MeasurementClock: Sendable {
    /// Seconds since the Unix epoch.
    func now() -> Double
    /// Returns at `time` (or at once if it has passed); throws when the task is cancelled.
    func sleep(until time: Double) async throws
}

/// The real clock: `CLOCK_REALTIME`, since the schedule's grid is wall-clock time.
public struct SystemMeasurementClock: MeasurementClock {
    public init() {}

    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func sleep(until time: Double) async throws {
        // Slept in slices so a wall-clock step (NTP, suspend) is noticed within a minute.
        while true {
            let left = time - now()
            if left <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(left, 60) * 1000)))
        }
    }
}
