import Synchronization

/// Which of a daemon's work loops are inside one step of work, and since when. A loop that waits
/// (for its next tick, for a signal, in a back-off) is idle and healthy however long it waits; a
/// loop stuck inside one step (a `/proc` read that never returns, a send without an answer, a sync
/// that hangs) past its bound is not. The watchdog is fed only while no loop is stuck, so systemd
/// restarts a daemon whose work stopped even though its event loops still answer.
///
/// ```swift
/// let liveness = Liveness()
/// liveness.register("sampler", bound: .seconds(120))
/// try await liveness.step("sampler") { try await spoolSample() }
/// let pinger = WatchdogPinger(notifier: notifier, logger: logger) { liveness.stuck().isEmpty }
/// ```
public final class Liveness: Sendable {
    private struct Loop {
        var bound: Duration
        var busySince: ContinuousClock.Instant?
    }

    private let loops = Mutex<[String: Loop]>([:])
    private let clock = ContinuousClock()

    public init() {}

    /// Declares a loop and how long one of its steps may take at most.
    public func register(_ name: String, bound: Duration) {
        loops.withLock { $0[name] = Loop(bound: bound, busySince: $0[name]?.busySince) }
    }

    /// The loop entered a step (an unregistered loop is registered with a one-minute bound).
    public func enter(_ name: String) {
        let now = clock.now
        loops.withLock { $0[name, default: Loop(bound: .seconds(60))].busySince = now }
    }

    /// The loop finished its step.
    public func leave(_ name: String) {
        loops.withLock { $0[name]?.busySince = nil }
    }

    /// Runs `body` as one step of `name`.
    public func step<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        enter(name)
        defer { leave(name) }
        return try await body()
    }

    /// Synchronous variant, for threads that are not tasks (the receiver's writer thread).
    public func stepSync<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        enter(name)
        defer { leave(name) }
        return try body()
    }

    /// The loops stuck in one step longer than their bound, with how long, sorted by name.
    public func stuck() -> [(name: String, for: Duration)] {
        let now = clock.now
        return loops.withLock { loops in
            loops.compactMap { name, loop in
                guard let since = loop.busySince, now - since > loop.bound else { return nil }
                return (name, now - since)
            }
        }.sorted { $0.name < $1.name }
    }
}
