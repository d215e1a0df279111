import FathomAgent
import FoundationEssentials
import Testing

@Suite(.timeLimit(.minutes(2))) struct SpoolDirectoryTests {
    private let fixedNow = 1_700_000_000.123

    @Test func appendedBatchRoundTrips() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, now: { [fixedNow] in fixedNow })
        let payload = Array("{\"hello\":\"world\"}".utf8)
        let stored = try spool.append(kind: "samples", payload: payload, recordCount: 7)

        #expect(stored.kind == "samples")
        #expect(stored.recordCount == 7)
        #expect(stored.payloadLength == payload.count)
        #expect(stored.createdAt == fixedNow)
        #expect(stored.id.count == 32)
        #expect(try spool.pending() == [stored])

        let (loaded, bytes) = try spool.load(stored)
        #expect(loaded == stored)
        #expect(Array(bytes) == payload)
        #expect(spool.totalBytes == stored.fileSize)
    }

    @Test func directoryAndFilesArePrivate() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath + "/nested/deeper", maxBytes: 1 << 20)
        let batch = try spool.append(kind: "sysinfo", payload: [1, 2, 3], recordCount: 1)
        #expect(dir.mode("spool/nested/deeper") == 0o700)
        #expect(dir.mode("spool/nested/deeper/quarantine") == 0o700)
        #expect(dir.mode("spool/nested/deeper/" + batch.fileName) == 0o600)
    }

    @Test func pendingIsOldestFirstAndNamesSortByCreation() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        var appended: [SpoolBatch] = []
        for index in 0..<12 {
            appended.append(try spool.append(kind: "samples", payload: [UInt8(index)], recordCount: index))
        }
        let pending = try spool.pending()
        #expect(pending == appended)
        #expect(pending.map(\.sequence) == Array(0..<12))
        #expect(dir.names().filter { $0.hasSuffix(".batch") } == appended.map(\.fileName))
    }

    @Test func idsAreUnique() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        let ids = try (0..<300).map { _ in try spool.append(kind: "samples", payload: [], recordCount: 0).id }
        #expect(Set(ids).count == 300)
        #expect(ids.allSatisfy { $0.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) } })
    }

    @Test func reopenedSpoolSeesBatchesAndContinuesSequence() throws {
        let dir = SpoolTestDirectory()
        var first: [SpoolBatch] = []
        do {
            let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
            for index in 0..<3 {
                first.append(
                    try spool.append(kind: "samples", payload: Array(repeating: 9, count: index), recordCount: index))
            }
        }
        let reopened = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        #expect(try reopened.pending() == first)
        #expect(reopened.totalBytes == first.map(\.fileSize).reduce(0, +))
        let next = try reopened.append(kind: "samples", payload: [1], recordCount: 1)
        #expect(next.sequence == 3)
        #expect(try reopened.pending().last == next)
        #expect(try reopened.load(first[2]).payload == [9, 9])
    }

    @Test func removeDeletesDurablyAndIsIdempotent() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        let a = try spool.append(kind: "samples", payload: [1], recordCount: 1)
        let b = try spool.append(kind: "samples", payload: [2], recordCount: 1)
        try spool.remove(a)
        try spool.remove(a)
        #expect(try spool.pending() == [b])
        #expect(spool.totalBytes == b.fileSize)
        #expect(try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20).pending() == [b])
        #expect(throws: SpoolError.missing(fileName: a.fileName)) { try spool.load(a) }
    }

    @Test func leftoverTempFilesAreRemovedAtInit() throws {
        let dir = SpoolTestDirectory()
        let kept: SpoolBatch
        do {
            let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
            kept = try spool.append(kind: "samples", payload: [1, 2], recordCount: 2)
        }
        dir.write("spool/.tmp-00000000000000000001-0123456789abcdef0123456789abcdef.batch", [0x46, 0x53])
        let logs = RecordedLogs()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: logs.logger)
        #expect(dir.names() == [kept.fileName, "quarantine"])
        #expect(try spool.pending() == [kept])
        #expect(logs.messages(at: .notice).count == 1)
    }

    @Test func freeFormKindsAreAccepted() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        let batch = try spool.append(kind: "esmond.archive-v2_x", payload: [0], recordCount: 1)
        #expect(try spool.pending().first?.kind == "esmond.archive-v2_x")
        #expect(batch.kind == "esmond.archive-v2_x")
    }

    @Test(arguments: ["", "Samples", "with space", "a/b", String(repeating: "k", count: 65)])
    func invalidKindsAreRejected(kind: String) throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
        #expect(throws: SpoolError.invalidKind(kind)) { try spool.append(kind: kind, payload: [], recordCount: 0) }
    }

    @Test func batchLargerThanSpoolIsRejectedWithoutDroppingOthers() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1000)
        let small = try spool.append(kind: "samples", payload: [1], recordCount: 1)
        #expect(throws: SpoolError.self) {
            try spool.append(kind: "samples", payload: [UInt8](repeating: 0, count: 1000), recordCount: 1)
        }
        #expect(try spool.pending() == [small])
        #expect(spool.droppedBatches == 0)
        #expect(throws: SpoolError.invalidRecordCount(-1)) {
            try spool.append(kind: "samples", payload: [], recordCount: -1)
        }
    }
}
