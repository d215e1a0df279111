import FathomAgent
import Testing

/// When the receiver is unreachable for long, the spool must stay within its byte budget by
/// giving up the oldest data, and say so.
@Suite(.timeLimit(.minutes(2))) struct SpoolOverflowTests {
    @Test func oldestBatchesAreDroppedAndCounted() throws {
        let dir = SpoolTestDirectory()
        let logs = RecordedLogs()
        let payload = [UInt8](repeating: 7, count: 1000)
        // Probe one batch's size so the limit holds exactly three.
        let size: Int
        do {
            let probeDir = SpoolTestDirectory()
            size = try SpoolDirectory(path: probeDir.spoolPath, maxBytes: 1 << 20)
                .append(kind: "samples", payload: payload, recordCount: 1).fileSize
        }
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 3 * size, logger: logs.logger)
        var appended: [SpoolBatch] = []
        for index in 1...5 {
            appended.append(try spool.append(kind: "samples", payload: payload, recordCount: index * 10))
        }

        #expect(try spool.pending() == Array(appended[2...]))
        #expect(spool.droppedBatches == 2)
        #expect(spool.droppedRecords == 10 + 20)
        #expect(spool.totalBytes == 3 * size)
        let warnings = logs.messages(at: .warning)
        #expect(warnings.count == 2)
        #expect(warnings.first?.contains("dropped 10 records (1 oldest batches)") == true)
        #expect(warnings.last?.contains("total_dropped_records=30") == true)
    }

    @Test func oneLargeBatchCanEvictSeveralSmallOnes() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 2000, logger: RecordedLogs().logger)
        var small: [SpoolBatch] = []
        for _ in 0..<10 {
            small.append(try spool.append(kind: "samples", payload: [UInt8](repeating: 1, count: 100), recordCount: 3))
        }
        let big = try spool.append(kind: "samples", payload: [UInt8](repeating: 2, count: 1500), recordCount: 50)
        let pending = try spool.pending()
        #expect(pending.last == big)
        #expect(Array(pending.dropLast()) == Array(small.suffix(pending.count - 1)))
        #expect(spool.totalBytes <= 2000)
        #expect(spool.droppedBatches == 10 - (pending.count - 1))
        #expect(spool.droppedRecords == 3 * spool.droppedBatches)
    }

    @Test func limitAppliesToBatchesFoundOnDiskAtStartup() throws {
        let dir = SpoolTestDirectory()
        var old: [SpoolBatch] = []
        do {
            let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20)
            for _ in 0..<4 {
                old.append(
                    try spool.append(kind: "samples", payload: [UInt8](repeating: 0, count: 500), recordCount: 5))
            }
        }
        // Restarted with a smaller budget: the next append makes room among the old batches.
        let spool = try SpoolDirectory(
            path: dir.spoolPath, maxBytes: 2 * old[0].fileSize, logger: RecordedLogs().logger)
        let new = try spool.append(kind: "samples", payload: [UInt8](repeating: 1, count: 500), recordCount: 5)
        #expect(try spool.pending() == [old[3], new])
        #expect(spool.droppedBatches == 3)
        #expect(spool.droppedRecords == 15)
    }
}
