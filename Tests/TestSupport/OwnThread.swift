import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Blocking work of a test (waiting for a child to exit, `initdb`, stopping a broker) on a thread
/// of its own, never on a cooperative one.
///
/// Every test of the process shares the cooperative pool, one thread per core. A test that blocks
/// one of them for seconds stalls the timers and sockets of every test beside it, and their time
/// bounds fail: fresh-clone CI runs saw whole-process stalls of several seconds while receivers
/// were stopped and PostgreSQL servers made on those threads.
///
/// ```swift
/// let server = try await OwnThread.run { try PostgresServer() }
/// defer { OwnThread.later { process.endBlocking(grace: .seconds(3)) } }
/// ```
public enum OwnThread {
    /// Runs `body` on a new thread; the caller waits without holding a thread.
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Result { () throws(E) in try body() }) }.start()
        }
        return try result.get()
    }

    /// Starts `body` on a new thread and returns at once: the cleanup a `defer` cannot await. The
    /// process waits for every cleanup still running when it exits (for at most a minute), so
    /// nothing a test started outlives the test run.
    public static func later(_ body: @escaping @Sendable () -> Void) {
        let first = state.withLock { state in
            defer { state.hooked = true }
            state.running += 1
            return !state.hooked
        }
        if first { atexit { OwnThread.awaitPending(for: .seconds(60)) } }
        Thread {
            body()
            state.withLock { $0.running -= 1 }
        }.start()
    }

    /// Waits until no `later` body runs, or `limit` passes; whether they all ended.
    @discardableResult
    static func awaitPending(for limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.running }) > 0 {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    private struct State {
        var running = 0
        var hooked = false
    }
    private static let state = Mutex(State())
}
