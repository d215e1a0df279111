import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// Settles, at start, the group commit a crash may have interrupted, using the journal's intent:
/// a group whose every segment is on disk whole is kept (its ids re-recorded in the ledger if the
/// crash came before that); any other group is taken back, every file cut to the offset the group
/// started at and its ledger record removed, so the uploads it held (never acknowledged) are
/// stored exactly once when the agents send them again.
///
/// ```swift
/// let outcome = try CommitRecovery.settle(journal: journal, ledger: ledger, root: dataDirectory, now: now, faults: &faults)
/// ```
enum CommitRecovery {
    enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// No group was in flight.
        case nothingInFlight
        /// The last group had reached the disk whole.
        case kept(sequence: UInt64)
        /// The last group had not; its files were cut back.
        case rolledBack(sequence: UInt64, files: Int)

        public var description: String {
            switch self {
            case .nothingInFlight: "no commit was in flight"
            case .kept(let s): "commit \(s) had reached the disk whole and was kept"
            case .rolledBack(let s, let n): "commit \(s) had not reached the disk whole: \(n) file(s) cut back"
            }
        }
    }

    static func settle(
        journal: CommitJournal, ledger: BatchLedger, root: String, now: Int64, faults: inout CommitFaults
    ) throws(StorageError) -> Outcome {
        guard let intent = journal.read() else { return .nothingInFlight }
        let outcome: Outcome
        if intent.segments.allSatisfy({ isWhole($0, root: root) }) {
            if !intent.batchIDs.allSatisfy(ledger.contains) {
                var none = CommitFaults.none
                try ledger.append(intent.batchIDs, sequence: intent.sequence, now: now, faults: &none)
                guard fdatasync(ledger.fd) == 0 else {
                    throw StorageError(errno: errno, operation: "fdatasync", path: ledger.path)
                }
                ledger.markCommitted(intent.batchIDs, now: now)
            }
            outcome = .kept(sequence: intent.sequence)
        } else {
            for (i, segment) in intent.segments.enumerated() {
                try cutBack(segment, root: root)
                if i == 0 { faults.reached(.midRecovery) }
            }
            try ledger.dropLastRecord(ifSequence: intent.sequence)
            outcome = .rolledBack(sequence: intent.sequence, files: intent.segments.count)
        }
        try journal.clear()
        return outcome
    }

    /// Whether the file holds the segment's bytes, checksum and all.
    static func isWhole(_ segment: CommitIntent.Segment, root: String) -> Bool {
        guard segment.length > 0 else { return true }
        let fd = open(root + "/" + segment.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var crc = CRC32()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var offset = segment.offset
        let end = segment.offset + segment.length
        while offset < end {
            let want = Int(min(Int64(buffer.count), end - offset))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer.withUnsafeBufferPointer { crc.update(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            offset += Int64(n)
        }
        return crc.value == segment.checksum
    }

    /// Cuts the file back to where the segment began (a file that is gone or shorter is left).
    private static func cutBack(_ segment: CommitIntent.Segment, root: String) throws(StorageError) {
        let path = root + "/" + segment.path
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw StorageError(errno: errno, operation: "open", path: segment.path)
        }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > off_t(segment.offset) else { return }
        guard ftruncate(fd, off_t(segment.offset)) == 0, fdatasync(fd) == 0 else {
            throw StorageError(errno: errno, operation: "truncate", path: segment.path)
        }
    }
}
