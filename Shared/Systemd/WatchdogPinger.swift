import Logging

/// Sends `WATCHDOG=1` every `interval`, but only when `isHealthy` answers `true` within half of
/// it. A daemon whose event loop or work loop is wedged thereby stops feeding the watchdog, and
/// systemd kills and restarts it, which a bare timer would never let happen.
///
/// ```swift
/// let pinger = WatchdogPinger(notifier: notifier, logger: logger) { await eventLoopsAnswer() }
/// let task = Task { await pinger?.run() }   // nil when systemd set no watchdog
/// ```
public struct WatchdogPinger: Sendable {
    public let notifier: SystemdNotifier
    public let interval: Duration
    public let logger: Logger
    public let isHealthy: @Sendable () async -> Bool

    /// A pinger at the notifier's watchdog interval; nil when systemd set no watchdog.
    public init?(notifier: SystemdNotifier, logger: Logger, isHealthy: @escaping @Sendable () async -> Bool) {
        guard let interval = notifier.watchdogInterval else { return nil }
        self.init(notifier: notifier, interval: interval, logger: logger, isHealthy: isHealthy)
    }

    public init(
        notifier: SystemdNotifier, interval: Duration, logger: Logger, isHealthy: @escaping @Sendable () async -> Bool
    ) {
        self.notifier = notifier
        self.interval = interval
        self.logger = logger
        self.isHealthy = isHealthy
    }

    /// What one health check came to.
    public enum Verdict: Sendable, Equatable {
        case healthy, unhealthy, timedOut
    }

    /// Pings until the task is cancelled. Cycles start every `interval` and the check gets half of
    /// it, so consecutive pings are at most 1.5 intervals (¾ of `WatchdogSec=`) apart.
    public func run() async {
        let clock = ContinuousClock()
        var cycleStart = clock.now
        while !Task.isCancelled {
            switch await check(within: interval / 2) {
            case .healthy:
                notifier.watchdog()
            case .unhealthy:
                logger.warning("health check failed; withholding the watchdog keep-alive")
            case .timedOut:
                logger.warning(
                    "health check did not answer in time; withholding the watchdog keep-alive",
                    metadata: ["limit": "\(interval / 2)"])
            }
            // After a stall, start afresh rather than firing the missed cycles back to back.
            cycleStart = max(cycleStart + interval, clock.now)
            do { try await Task.sleep(until: cycleStart, clock: clock) } catch { return }
        }
    }

    /// Runs the health check against a timer. A check that hangs without honouring cancellation keeps
    /// this call (and so the pinger) waiting: no more keep-alives, which is what the watchdog is for.
    public func check(within limit: Duration) async -> Verdict {
        await withTaskGroup(of: Verdict.self) { group in
            group.addTask { await isHealthy() ? .healthy : .unhealthy }
            group.addTask {
                // Cancelled once the check answered; the result is ignored then.
                try? await Task.sleep(for: limit)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
    }
}
