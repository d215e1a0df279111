import FathomShared
import FathomTestSupport
import GRDB
import Testing

@testable import FathomReceiver

/// A write is answered only after its transaction committed with a sync of the WAL: the writer
/// connection runs at `synchronous = FULL` (GRDB's WAL default, NORMAL, syncs only at checkpoints,
/// so a power cut could lose a point already answered 201).
@Suite struct ArchiveCommitDurabilityTests {
    @Test func theWriterConnectionSyncsEveryCommit() async throws {
        let dir = TempDirectory("fathom-archive-sync")
        defer { dir.remove() }
        let store = try SQLiteArchiveStore(path: dir.file("archive.sqlite"))
        let mode = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == 2, "synchronous = \(String(describing: mode)); FULL is 2")
        let journal = try await store.pool.write { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }
}
