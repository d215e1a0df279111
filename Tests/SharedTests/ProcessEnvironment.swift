import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Serialises tests that change the process environment: `setenv` racing `getenv` on another
/// thread is undefined, and the variables (NOTIFY_SOCKET, JOURNAL_STREAM) are process-wide.
enum ProcessEnvironment {
    private static let lock = Mutex(())

    /// Runs `body` with `values` set (nil: unset), then puts the previous values back.
    static func with<R>(_ values: [String: String?], _ body: () throws -> R) rethrows -> R {
        try lock.withLock { _ in
            let saved = values.keys.map { key in (key, getenv(key).map { String(cString: $0) }) }
            for (key, value) in values { set(key, value) }
            defer { for (key, value) in saved { set(key, value) } }
            return try body()
        }
    }

    private static func set(_ key: String, _ value: String?) {
        if let value { setenv(key, value, 1) } else { unsetenv(key) }
    }
}
