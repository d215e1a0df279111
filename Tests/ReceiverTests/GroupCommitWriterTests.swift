import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

@Suite(.timeLimit(.minutes(2))) struct GroupCommitWriterTests {
    @Test func concurrentUploadsShareSyncsAndAllLand() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let writer = try GroupCommitWriter(dataDirectory: dir.path)
        let count = 200
        try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for i in 0..<count {
                group.addTask {
                    try await writer.commit([
                        FileAppend(relativePath: "c/2026/01/01/h.csv", bytes: Array("line \(i)\n".utf8))
                    ])
                }
            }
            for try await outcome in group { #expect(outcome == .stored) }
        }
        let counters = writer.counters
        writer.shutdown()
        #expect(counters.uploads == count)
        #expect(counters.groups < count, "group commit should batch concurrent uploads into fewer syncs")
        let lines = dir.read("c/2026/01/01/h.csv")!.split(separator: "\n")
        #expect(Set(lines).count == count)
    }

    @Test func replayedBatchIDIsNotWrittenTwiceEvenAfterRestart() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let append = [FileAppend(relativePath: "c/2026/01/01/h.csv", bytes: Array("once\n".utf8))]
        let first = try GroupCommitWriter(dataDirectory: dir.path)
        #expect(try await first.commit(append, batchID: "c/abc") == .stored)
        #expect(try await first.commit(append, batchID: "c/abc") == .duplicate)
        first.shutdown()
        let second = try GroupCommitWriter(dataDirectory: dir.path)
        #expect(try await second.commit(append, batchID: "c/abc") == .duplicate)
        #expect(try await second.commit(append, batchID: "c/def") == .stored)
        second.shutdown()
        #expect(dir.read("c/2026/01/01/h.csv") == "once\nonce\n")
    }

    @Test func aFailedUploadLeavesNoPartOfItBehind() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // A directory where a data file should be makes the second append of the upload fail.
        try FileManager.default.createDirectory(
            atPath: dir.file("c/2026/01/01/blocked.csv"), withIntermediateDirectories: true)
        let writer = try GroupCommitWriter(dataDirectory: dir.path)
        _ = try await writer.commit([FileAppend(relativePath: "c/2026/01/01/ok.csv", bytes: Array("before\n".utf8))])
        await #expect(throws: StorageError.self) {
            try await writer.commit(
                [
                    FileAppend(relativePath: "c/2026/01/01/ok.csv", bytes: Array("half\n".utf8)),
                    FileAppend(relativePath: "c/2026/01/01/blocked.csv", bytes: Array("x\n".utf8)),
                ], batchID: "c/failed")
        }
        // The failed batch id was not recorded: a retry after fixing the disk must be written.
        try FileManager.default.removeItem(atPath: dir.file("c/2026/01/01/blocked.csv"))
        #expect(
            try await writer.commit(
                [FileAppend(relativePath: "c/2026/01/01/ok.csv", bytes: Array("retry\n".utf8))], batchID: "c/failed")
                == .stored)
        writer.shutdown()
        #expect(dir.read("c/2026/01/01/ok.csv") == "before\nretry\n")
    }

    @Test func tornTailFromACrashIsCutBeforeAppending() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("c/2026/01/01"), withIntermediateDirectories: true)
        try dir.write("c/2026/01/01/h.csv", "complete line\npartial li")
        let writer = try GroupCommitWriter(dataDirectory: dir.path)
        _ = try await writer.commit([FileAppend(relativePath: "c/2026/01/01/h.csv", bytes: Array("next\n".utf8))])
        writer.shutdown()
        #expect(dir.read("c/2026/01/01/h.csv") == "complete line\nnext\n")
    }

    @Test func commitsAfterShutdownAreRefused() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let writer = try GroupCommitWriter(dataDirectory: dir.path)
        writer.shutdown()
        await #expect(throws: StorageError.self) {
            try await writer.commit([FileAppend(relativePath: "c/x.csv", bytes: [65])])
        }
    }
}
