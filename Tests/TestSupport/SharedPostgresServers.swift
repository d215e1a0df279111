import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One PostgreSQL server per test suite, started when a test of the suite first asks and removed
/// when the test process exits; each test takes a database of its own from it
/// (``PostgresServer/makeDatabase()``), so a suite of twenty tests starts one server, not twenty.
///
/// ```swift
/// guard let (server, url) = try SharedPostgresServers.database() else { return }   // skipped without PostgreSQL
/// ```
public enum SharedPostgresServers {
    private static let servers = Mutex<[String: PostgresServer]>([:])

    /// The server of `suite` (by default the calling file); nil (after a SKIP line, or a failure
    /// under FATHOM_REQUIRE_ALL=1) when PostgreSQL 15 is not installed.
    public static func server(suite: String = #fileID, test: String = #function) throws -> PostgresServer? {
        guard PostgresServer.isInstalled else {
            try Prerequisite.unavailable("PostgreSQL 15 is not installed (apt-get install -y postgresql)", test: test)
            return nil
        }
        return try servers.withLock { map in
            if let server = map[suite] { return server }
            if map.isEmpty { atexit { SharedPostgresServers.removeAll() } }
            let server = try PostgresServer()
            map[suite] = server
            return server
        }
    }

    /// A fresh database on the suite's server, and its URL (see ``server(suite:test:)``).
    public static func database(suite: String = #fileID, test: String = #function) throws -> (
        server: PostgresServer, url: String
    )? {
        guard let server = try server(suite: suite, test: test) else { return nil }
        return (server, try server.makeDatabase())
    }

    /// Stops every server (at exit: statics have no deinit to do it).
    static func removeAll() {
        let all = servers.withLock { map in
            defer { map = [:] }
            return Array(map.values)
        }
        for server in all { server.remove() }
    }
}
