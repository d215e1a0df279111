import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Serialises tests that change the process environment: `setenv` racing `getenv` on another
/// thread is undefined, and the variables (NOTIFY_SOCKET, JOURNAL_STREAM) are process-wide.
/// The body may await (a watchdog pinger sends through `sd_notify` for as long as it runs), so
/// the lock is waited for by suspending, never by blocking one of the few cooperative threads.
enum ProcessEnvironment {
    private static let gate = Gate()

    /// Runs `body` with `values` set (nil: unset), then puts the previous values back.
    static func with<R>(_ values: [String: String?], _ body: () async throws -> R) async rethrows -> R {
        await gate.enter()
        defer { gate.leave() }
        let saved = values.keys.map { key in (key, getenv(key).map { String(cString: $0) }) }
        for (key, value) in values { set(key, value) }
        defer { for (key, value) in saved { set(key, value) } }
        return try await body()
    }

    private static func set(_ key: String, _ value: String?) {
        if let value { setenv(key, value, 1) } else { unsetenv(key) }
    }

    /// A first-come, first-served lock for async code: one holder, the others suspended in order.
    private final class Gate: Sendable {
        private struct State {
            var held = false
            var waiting: [CheckedContinuation<Void, Never>] = []
        }
        private let state = Mutex(State())

        func enter() async {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let admitted = state.withLock { state in
                    if state.held {
                        state.waiting.append(waiter)
                        return false
                    }
                    state.held = true
                    return true
                }
                if admitted { waiter.resume() }
            }
        }

        func leave() {
            let next = state.withLock { state in
                if state.waiting.isEmpty {
                    state.held = false
                    return nil as CheckedContinuation<Void, Never>?
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
    }
}
