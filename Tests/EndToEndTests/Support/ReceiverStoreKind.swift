import FathomTestSupport
import Testing

/// The receiver's two stores, for end-to-end checks that must hold on both (`arguments:
/// ReceiverStoreKind.allCases`): the embedded one (day files, the archive in SQLite), and
/// PostgreSQL, each receiver on a database of its own on the suite's server
/// (`SharedPostgresServers`).
///
/// ```swift
/// @Test(arguments: ReceiverStoreKind.allCases) func something(store: ReceiverStoreKind) async throws {
///     guard let f = try await store.fixture(archive: true) else { return }   // skipped without PostgreSQL
/// }
/// ```
enum ReceiverStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded
    case postgres

    var testDescription: String { rawValue }

    /// A running receiver on a fresh store of this kind; nil (after a SKIP line) without PostgreSQL.
    func fixture(
        archive: Bool = false, flags: [String] = [], suite: String = #fileID, test: String = #function
    ) async throws -> ReceiverFixture? {
        switch self {
        case .embedded:
            return try await ReceiverFixture(archive: archive, flags: flags)
        case .postgres:
            guard let (_, url) = try await SharedPostgresServers.database(suite: suite, test: test) else { return nil }
            return try await ReceiverFixture(archive: archive, store: url, flags: flags)
        }
    }
}
