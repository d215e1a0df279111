import FathomAgent
import FoundationEssentials
import Testing

/// Damaged files must be set aside, logged, and never stop the good batches from being delivered.
@Suite(.timeLimit(.minutes(2))) struct SpoolCorruptionTests {
    /// Three good batches on disk; the middle one is the victim in most tests.
    private func threeBatches(_ dir: borrowing SpoolTestDirectory) throws -> [SpoolBatch] {
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        return try (0..<3).map { index in
            try spool.append(kind: "samples", payload: Array(repeating: UInt8(index), count: 100), recordCount: 10)
        }
    }

    @Test func truncatedFileIsQuarantined() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        let victim = "spool/" + batches[1].fileName
        dir.write(victim, Array(dir.read(victim).prefix(80)))

        let logs = RecordedLogs()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: logs.logger)
        #expect(try spool.pending() == [batches[0], batches[2]])
        #expect(dir.names(in: "spool/quarantine") == [batches[1].fileName])
        #expect(logs.messages(at: .error).contains { $0.contains("truncated") && $0.contains(batches[1].fileName) })
        #expect(try spool.load(batches[2]).payload == [UInt8](repeating: 2, count: 100))
    }

    @Test func fileDamagedAfterOpeningIsFoundByPending() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        let good = try spool.append(kind: "samples", payload: [1, 2, 3], recordCount: 3)
        // Hand-written file with a valid name but no spool header at all.
        let name = "00000000000000000007-0123456789abcdef0123456789abcdef.batch"
        dir.write("spool/" + name, Array("not a spool file at all, just text".utf8))

        #expect(try spool.pending() == [good])
        #expect(dir.names(in: "spool/quarantine") == [name])
    }

    @Test func badMagicIsQuarantined() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        let victim = "spool/" + batches[0].fileName
        var bytes = dir.read(victim)
        bytes[0] = UInt8(ascii: "X")
        dir.write(victim, bytes)

        let logs = RecordedLogs()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: logs.logger)
        #expect(try spool.pending() == Array(batches[1...]))
        #expect(logs.messages(at: .error).contains { $0.contains("bad magic") })
    }

    @Test func damagedHeaderFieldFailsHeaderChecksum() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        let victim = "spool/" + batches[1].fileName
        var bytes = dir.read(victim)
        bytes[40] ^= 0x01  // record count
        dir.write(victim, bytes)

        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        #expect(try spool.pending() == [batches[0], batches[2]])
        #expect(dir.names(in: "spool/quarantine") == [batches[1].fileName])
    }

    @Test func badPayloadChecksumIsQuarantinedByLoad() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        let victim = "spool/" + batches[1].fileName
        var bytes = dir.read(victim)
        bytes[bytes.count - 1] ^= 0xFF
        dir.write(victim, bytes)

        // The header is intact, so the batch is still listed; the payload check happens on load.
        let pending = try spool.pending()
        #expect(pending == batches)
        var delivered: [SpoolBatch] = []
        for batch in pending {
            do {
                _ = try spool.load(batch)
                delivered.append(batch)
            } catch SpoolError.corrupt(let fileName, let reason) {
                #expect(fileName == batches[1].fileName)
                #expect(reason == "payload checksum mismatch")
            }
        }
        #expect(delivered == [batches[0], batches[2]])
        #expect(try spool.pending() == [batches[0], batches[2]])
        #expect(dir.names(in: "spool/quarantine") == [batches[1].fileName])
    }

    @Test func trailingBytesAndMismatchedNamesAreQuarantined() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        dir.write("spool/" + batches[0].fileName, dir.read("spool/" + batches[0].fileName) + [0])
        // A valid file under the wrong name: the header's sequence and id no longer match.
        let renamed = "00000000000000000099-ffffffffffffffffffffffffffffffff.batch"
        dir.write("spool/" + renamed, dir.read("spool/" + batches[1].fileName))
        dir.write("spool/garbage.batch", [1, 2, 3])

        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        #expect(try spool.pending() == Array(batches[1...]))
        #expect(dir.names(in: "spool/quarantine") == [batches[0].fileName, renamed, "garbage.batch"].sorted())
    }

    @Test func unrelatedFilesAreLeftAlone() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        dir.write("spool/README", Array("operator notes".utf8))
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        #expect(try spool.pending() == batches)
        #expect(dir.names().contains("README"))
        #expect(dir.names(in: "spool/quarantine").isEmpty)
    }

    @Test func explicitQuarantineMovesTheBatchAndLogsTheReason() throws {
        let dir = SpoolTestDirectory()
        let batches = try threeBatches(dir)
        let logs = RecordedLogs()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: logs.logger)
        spool.quarantine(batches[0], reason: "receiver rejected: 400 malformed")
        spool.quarantine(batches[0], reason: "twice is harmless")

        #expect(try spool.pending() == Array(batches[1...]))
        #expect(spool.totalBytes == batches[1].fileSize + batches[2].fileSize)
        #expect(dir.names(in: "spool/quarantine") == [batches[0].fileName])
        #expect(logs.messages(at: .error).contains { $0.contains("receiver rejected: 400 malformed") })
    }

    @Test func quarantineKeepsOnlyTheNewestFiles() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: RecordedLogs().logger)
        for index in 0..<70 {
            let digits = String(index)
            let name =
                String(repeating: "0", count: 20 - digits.count) + digits + "-" + String(repeating: "a", count: 32)
                + ".batch"
            dir.write("spool/" + name, [0])
        }
        #expect(try spool.pending().isEmpty)
        let quarantined = dir.names(in: "spool/quarantine")
        #expect(quarantined.count == 64)
        #expect(quarantined.first?.hasPrefix("00000000000000000006-") == true)
    }
}
