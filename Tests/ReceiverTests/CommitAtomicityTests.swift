import FathomShared
import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// The group commit is all or nothing across data files and ledger, whichever operation fails,
/// and the state a crash leaves (journal, half-written files, torn ledger) is settled at start.
@Suite(.timeLimit(.minutes(2))) struct CommitAtomicityTests {
    static let path = "c/2026/01/01/h.csv"
    static let other = "c/2026/01/01/g.csv"

    func upload(_ text: String) -> [FileAppend] {
        [
            FileAppend(relativePath: Self.path, bytes: Array("\(text) a\n".utf8)),
            FileAppend(relativePath: Self.other, bytes: Array("\(text) b\n".utf8)),
        ]
    }

    func writer(_ dir: TempDirectory, failAt: String? = nil) throws -> GroupCommitWriter {
        try GroupCommitWriter(
            dataDirectory: dir.path, clock: { 1_800_000_000 },
            faults: CommitFaults(crashAt: nil, failAt: failAt))
    }

    @Test(arguments: CommitFaults.Operation.allCases)
    func aFailedOperationLeavesNothingAndTheRetryIsStoredOnce(_ operation: CommitFaults.Operation) async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // Data writes happen once per file (two per group): the fourth is the second file of the
        // second group, so the first file's bytes must be taken back too.
        let occurrence = operation == .dataWrite ? 4 : 2
        let first = try writer(dir, failAt: "\(operation.rawValue):ENOSPC:\(occurrence)")
        #expect(try await first.commit(upload("one"), batchID: "c/one") == .stored)
        let error = await #expect(throws: StorageError.self) { try await first.commit(upload("two"), batchID: "c/two") }
        #expect(error?.isDiskFull == true, "an injected ENOSPC is reported as a full disk (507)")
        #expect(dir.read(Self.path) == "one a\n")
        #expect(dir.read(Self.other) == "one b\n")
        // The refused id was not recorded: the retry is written, once, and a replay after a
        // restart is recognised.
        #expect(try await first.commit(upload("two"), batchID: "c/two") == .stored)
        first.shutdown()
        let second = try writer(dir)
        #expect(try await second.commit(upload("two"), batchID: "c/two") == .duplicate)
        #expect(try await second.commit(upload("one"), batchID: "c/one") == .duplicate)
        second.shutdown()
        #expect(dir.read(Self.path) == "one a\ntwo a\n")
        #expect(dir.read(Self.other) == "one b\ntwo b\n")
    }

    /// Commits "one", then leaves what a crash in the middle of committing "two" leaves: its intent
    /// (sequence 99) in the journal, `dataA` and `dataB` appended to the two files, and with
    /// `ledgerRecord` its ledger record too.
    func crashDuringSecondCommit(_ dir: TempDirectory, dataA: String, dataB: String, ledgerRecord: Bool) async throws {
        let first = try writer(dir)
        #expect(try await first.commit(upload("one"), batchID: "c/one") == .stored)
        first.shutdown()
        let offset = Int64(dir.read(Self.path)!.utf8.count)
        let intent = CommitIntent(
            sequence: 99,
            segments: [
                .init(path: Self.path, offset: offset, bytes: Array("two a\n".utf8)),
                .init(path: Self.other, offset: offset, bytes: Array("two b\n".utf8)),
            ],
            batchIDs: ["c/two"])
        try Data(intent.encoded()).write(to: URL(fileURLWithPath: dir.file(".fathom/commit-journal")))
        try append(dir.file(Self.path), dataA)
        try append(dir.file(Self.other), dataB)
        if ledgerRecord {
            let record = BatchLedger.encode(sequence: 99, time: 1_800_000_000, ids: ["c/two"])
            try append(dir.file(".fathom/batch-ledger"), String(decoding: record, as: UTF8.self))
        }
    }

    @Test func aGroupCutOffBeforeItsBytesWereWholeIsTakenBackAtStart() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try await crashDuringSecondCommit(dir, dataA: "two a\n", dataB: "two", ledgerRecord: true)
        let second = try writer(dir)
        #expect(second.recovery.contains("cut back"))
        #expect(dir.read(Self.path) == "one a\n", "a file the group reached whole is cut back too")
        #expect(dir.read(Self.other) == "one b\n")
        #expect(try await second.commit(upload("two"), batchID: "c/two") == .stored, "the id was forgotten")
        second.shutdown()
        #expect(dir.read(Self.path) == "one a\ntwo a\n")
    }

    @Test func aGroupWholeOnDiskButMissingFromTheLedgerIsKeptAndRecorded() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try await crashDuringSecondCommit(dir, dataA: "two a\n", dataB: "two b\n", ledgerRecord: false)
        let second = try writer(dir)
        #expect(second.recovery.contains("kept"))
        #expect(try await second.commit(upload("two"), batchID: "c/two") == .duplicate, "its id was recorded")
        second.shutdown()
        #expect(dir.read(Self.path) == "one a\ntwo a\n")
        #expect(dir.read(Self.other) == "one b\ntwo b\n")
    }

    @Test func aTornJournalIsNoIntentAndChangesNothing() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let first = try writer(dir)
        #expect(try await first.commit(upload("one"), batchID: "c/one") == .stored)
        first.shutdown()
        let intent = CommitIntent(
            sequence: 7, segments: [.init(path: Self.path, offset: 0, bytes: Array("x\n".utf8))], batchIDs: ["c/x"])
        let torn = Array(intent.encoded().dropLast(3))
        #expect(CommitIntent(decoding: torn) == nil)
        #expect(CommitIntent(decoding: intent.encoded()) == intent)
        try Data(torn).write(to: URL(fileURLWithPath: dir.file(".fathom/commit-journal")))
        let second = try writer(dir)
        #expect(second.recovery == "no commit was in flight")
        second.shutdown()
        #expect(dir.read(Self.path) == "one a\n")
    }

    @Test func aTornLedgerTailIsCutSoTheNextRecordStandsAlone() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let first = try writer(dir)
        #expect(try await first.commit(upload("one"), batchID: "c/one") == .stored)
        first.shutdown()
        // A crash mid-append left half a record with no newline.
        try append(dir.file(".fathom/batch-ledger"), "L1 12345 7 18000")
        let second = try writer(dir)
        #expect(try await second.commit(upload("two"), batchID: "c/two") == .stored)
        second.shutdown()
        let ledger = dir.read(".fathom/batch-ledger")!
        #expect(!ledger.contains("L1 12345"), "the torn record was cut")
        #expect(ledger.split(separator: "\n").count == 2)
        let third = try writer(dir)
        #expect(try await third.commit(upload("one"), batchID: "c/one") == .duplicate)
        #expect(try await third.commit(upload("two"), batchID: "c/two") == .duplicate)
        third.shutdown()
    }

    @Test func ledgerRecordsFailingTheirChecksumAreNotTrusted() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file(".fathom"), withIntermediateDirectories: true)
        var record = String(
            decoding: BatchLedger.encode(sequence: 3, time: 1_800_000_000, ids: ["c/abc"]), as: UTF8.self)
        record = record.replacingOccurrences(of: "c/abc", with: "c/abd")
        let good = String(decoding: BatchLedger.encode(sequence: 4, time: 1_800_000_000, ids: ["c/ok"]), as: UTF8.self)
        // The format before checksums is still read.
        try dir.write(".fathom/batch-ledger", record + good + "c/legacy 1800000000\n")
        let w = try writer(dir)
        #expect(
            try await w.commit(upload("x"), batchID: "c/abd") == .stored, "a record with a bad checksum proves nothing")
        #expect(try await w.commit(upload("y"), batchID: "c/ok") == .duplicate)
        #expect(try await w.commit(upload("z"), batchID: "c/legacy") == .duplicate)
        w.shutdown()
    }

    @Test func expiredLedgerRecordsAreDroppedAtStart() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file(".fathom"), withIntermediateDirectories: true)
        let old = BatchLedger.encode(sequence: 1, time: 1_800_000_000 - 15 * 86_400, ids: ["c/old"])
        let recent = BatchLedger.encode(sequence: 2, time: 1_800_000_000 - 86_400, ids: ["c/recent"])
        try dir.write(".fathom/batch-ledger", String(decoding: old + recent, as: UTF8.self))
        let w = try writer(dir)
        #expect(try await w.commit(upload("a"), batchID: "c/recent") == .duplicate)
        #expect(try await w.commit(upload("b"), batchID: "c/old") == .stored)
        w.shutdown()
    }

    private func append(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
