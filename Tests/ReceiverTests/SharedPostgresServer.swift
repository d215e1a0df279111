import FathomTestSupport
import Synchronization
import Testing

/// One PostgreSQL server for a whole suite (`@Suite(.sharedPostgresServer)`), started before its
/// first test and removed after its last; each test takes a database of its own from it
/// (``PostgresServer/makeDatabase()``), so a suite of twenty tests starts one server, not twenty.
///
/// ```swift
/// @Suite(.sharedPostgresServer) struct StoreTests {
///     @Test func something() async throws {
///         guard let url = try SharedPostgresServer.database() else { return }   // skipped without PostgreSQL
///     }
/// }
/// ```
struct SharedPostgresServer: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Started lazily by the first test that asks, so a suite run with its PostgreSQL cases
        // filtered out (or without PostgreSQL installed) starts none.
        let holder = LazyServer()
        defer { holder.remove() }
        try await Self.$lazy.withValue(holder) { try await function() }
    }

    @TaskLocal static var lazy: LazyServer?

    /// The suite's server, started on first use; nil (after a SKIP line, or a failure under
    /// FATHOM_REQUIRE_ALL=1) when PostgreSQL 15 is not installed.
    static func server(test: String = #function) throws -> PostgresServer? {
        guard PostgresServer.isInstalled else {
            try Prerequisite.unavailable("PostgreSQL 15 is not installed (apt-get install -y postgresql)", test: test)
            return nil
        }
        guard let lazy else { return try PostgresServer() }
        return try lazy.server()
    }

    /// A fresh database on the suite's server (see ``server(test:)``).
    static func database(test: String = #function) throws -> (server: PostgresServer, url: String)? {
        guard let server = try server(test: test) else { return nil }
        return (server, try server.makeDatabase())
    }
}

extension Trait where Self == SharedPostgresServer {
    /// One PostgreSQL server for the suite; see ``SharedPostgresServer``.
    static var sharedPostgresServer: Self { SharedPostgresServer() }
}

/// The suite's server, made once by whichever test asks first.
final class LazyServer: Sendable {
    private let made = Mutex<PostgresServer?>(nil)

    func server() throws -> PostgresServer {
        try made.withLock { server in
            if let server { return server }
            let started = try PostgresServer()
            server = started
            return started
        }
    }

    func remove() { made.withLock { $0?.remove() } }
}
