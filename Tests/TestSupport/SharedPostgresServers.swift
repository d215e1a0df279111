import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One PostgreSQL server per test suite, started when a test of the suite first asks and removed
/// when the test process exits; each test takes a database of its own from it
/// (``PostgresServer/makeDatabase()``), so a suite of twenty tests starts one server, not twenty.
///
/// ```swift
/// guard let (server, url) = try await SharedPostgresServers.database() else { return }   // skipped without PostgreSQL
/// ```
public enum SharedPostgresServers {
    /// Each suite's server, being made or made: the tests of a suite that ask at once wait for
    /// one `initdb` (``PostgresServer/make(durable:in:)``), holding no thread.
    private static let servers = Mutex<[String: Task<PostgresServer, any Error>]>([:])
    /// The servers made, for the exit hook to stop.
    private static let made = Mutex<[PostgresServer]>([])

    /// The server of `suite` (by default the calling file); nil (after a SKIP line, or a failure
    /// under FATHOM_REQUIRE_ALL=1) when PostgreSQL 15 is not installed.
    public static func server(suite: String = #fileID, test: String = #function) async throws -> PostgresServer? {
        guard PostgresServer.isInstalled else {
            try Prerequisite.unavailable("PostgreSQL 15 is not installed (apt-get install -y postgresql)", test: test)
            return nil
        }
        let making = servers.withLock { map in
            if let making = map[suite] { return making }
            if map.isEmpty { atexit { SharedPostgresServers.removeAll() } }
            let making = Task {
                let server = try await PostgresServer.make()
                made.withLock { $0.append(server) }
                return server
            }
            map[suite] = making
            return making
        }
        return try await making.value
    }

    /// A fresh database on the suite's server, and its URL (see ``server(suite:test:)``).
    public static func database(suite: String = #fileID, test: String = #function) async throws -> (
        server: PostgresServer, url: String
    )? {
        guard let server = try await server(suite: suite, test: test) else { return nil }
        return (server, try await OwnThread.run { try server.makeDatabase() })
    }

    /// Stops every server (at exit: statics have no deinit to do it).
    static func removeAll() {
        let all = made.withLock { list in
            defer { list = [] }
            return list
        }
        for server in all { server.remove() }
    }
}
