import FathomTestSupport
import Logging
import Testing

@testable import FathomReceiver

/// The two archive stores, for suites that run the same checks on both (`arguments:
/// ArchiveStoreKind.allCases`): SQLite on a file in a temp directory, PostgreSQL on a database of
/// its own on the suite's server (`SharedPostgresServers`).
///
/// ```swift
/// @Test(arguments: ArchiveStoreKind.allCases) func something(kind: ArchiveStoreKind) async throws {
///     try await kind.withStore { store in … }
/// }
/// ```
enum ArchiveStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Where a store of this kind lives: a SQLite file, or a PostgreSQL database URL.
    struct Location: Sendable {
        var kind: ArchiveStoreKind
        var place: String
        /// The PostgreSQL server, for checks in SQL (nil for SQLite).
        var server: PostgresServer?
    }

    /// A new, empty location (`name` tells SQLite files in one directory apart); nil when
    /// PostgreSQL is not installed (the test is then skipped).
    func makeLocation(
        in dir: TempDirectory, name: String = "archive", suite: String = #fileID, test: String = #function
    ) async throws -> Location? {
        switch self {
        case .sqlite:
            return Location(kind: self, place: dir.file(name + ".sqlite"))
        case .postgres:
            guard let (server, url) = try await SharedPostgresServers.database(suite: suite, test: test) else {
                return nil
            }
            return Location(kind: self, place: url, server: server)
        }
    }

    /// Opens (and migrates) the store at `location`.
    static func open(_ location: Location, now: Int64? = nil) async throws -> any ArchiveStore {
        let clock: @Sendable () -> Int64
        if let now { clock = { now } } else { clock = SQLiteArchiveStore.systemNow }
        switch location.kind {
        case .sqlite:
            return try SQLiteArchiveStore(path: location.place, now: clock)
        case .postgres:
            var logger = Logger(label: "archive-store-test")
            logger.logLevel = .critical
            return try await PostgresArchiveStore.open(
                settings: StoreSettings(url: location.place), logger: logger, now: clock)
        }
    }

    /// Closes a store's connections (PostgreSQL); SQLite's close with the last reference.
    static func close(_ store: any ArchiveStore) async {
        await (store as? PostgresArchiveStore)?.close()
    }

    /// Runs `body`, then closes `stores`, also when it throws: a PostgreSQL connection left open
    /// when its store goes away stops a debug build's test process (PostgresNIO asserts), which
    /// would hide the failure that left it.
    static func closing<T>(_ stores: [any ArchiveStore], _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            for store in stores { await close(store) }
            return result
        } catch {
            for store in stores { await close(store) }
            throw error
        }
    }

    /// Runs `body` with a fresh store of this kind (and its temp directory); skipped (returns)
    /// without PostgreSQL.
    func withStore(
        now: Int64? = nil, suite: String = #fileID, test: String = #function,
        _ body: (any ArchiveStore, TempDirectory) async throws -> Void
    ) async throws {
        let dir = TempDirectory("fathom-archive-store")
        defer { dir.remove() }
        guard let location = try await makeLocation(in: dir, suite: suite, test: test) else { return }
        let store = try await Self.open(location, now: now)
        try await Self.closing([store]) { try await body(store, dir) }
    }
}
