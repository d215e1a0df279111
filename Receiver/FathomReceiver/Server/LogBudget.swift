import Synchronization

/// A budget of log lines per interval for events a stranger can cause at will (failed logins,
/// refused connections), so an attack shows in the log without filling the disk. Lines over the
/// budget are counted, and the next admitted line reports how many were left out.
///
/// ```swift
/// let budget = LogBudget(lines: 20, per: .seconds(10))
/// if let suppressed = budget.admit() { logger.warning("login failed", metadata: ["suppressed": "\(suppressed)"]) }
/// ```
public final class LogBudget: Sendable {
    private struct State {
        var windowStart: ContinuousClock.Instant
        var used = 0
        var suppressed = 0
    }

    public let lines: Int
    public let interval: Duration
    private let state: Mutex<State>
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(lines: Int, per interval: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.lines = lines
        self.interval = interval
        self.now = now
        state = Mutex(State(windowStart: now()))
    }

    /// nil when this line is over budget; otherwise the number of lines left out since the last one.
    public func admit() -> Int? {
        let now = now()
        return state.withLock { state in
            if now - state.windowStart >= interval {
                state.windowStart = now
                state.used = 0
            }
            guard state.used < lines else {
                state.suppressed += 1
                return nil
            }
            state.used += 1
            defer { state.suppressed = 0 }
            return state.suppressed
        }
    }
}
