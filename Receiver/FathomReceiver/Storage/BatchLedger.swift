import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The set of upload batch ids already made durable, kept in an append-only file so a replayed
/// batch is recognised after a receiver restart too.
///
/// Each group commit appends one checksummed record, `L1 <sequence> <unix-seconds> <crc32> <id>...`,
/// where the checksum covers everything after it. A record that is torn (no newline, short, or a
/// wrong checksum) at the end of the file is cut when the ledger is opened; one in the middle is
/// skipped. Lines of the older `<id> <unix-seconds>` form are still read. Records older than
/// `retentionSeconds` are dropped when the ledger is opened and, while running, at most hourly
/// (an agent gives up on a batch long before that).
/// Only the writer thread touches it, so it needs no lock.
final class BatchLedger: @unchecked Sendable {  // confined to the writer thread after init
    private struct Record {
        var sequence: UInt64
        var time: Int64
        var ids: [Substring]
        var offset: Int64
    }

    let path: String
    private(set) var fd: Int32 = -1
    private var ids: Set<String> = []
    /// Sequence and offset of the last record, so recovery can take back the group it belongs to.
    private var last: (sequence: UInt64, offset: Int64, ids: [String])?
    private var oldestTime: Int64?
    private var lastCompaction: Int64
    private var sizeBeforeAppend: Int64?
    private(set) var maxSequence: UInt64 = 0
    let retentionSeconds: Int64

    init(path: String, retentionSeconds: Int64 = 14 * 86_400, now: Int64) throws(StorageError) {
        self.path = path
        self.retentionSeconds = retentionSeconds
        lastCompaction = now
        let data: [UInt8]
        do {
            data = try PosixFile.readAll(path) ?? []
        } catch {
            throw StorageError(errno: error.errno, operation: "read", path: path)
        }
        let (records, validEnd, skipped) = Self.parse(data)
        let kept = records.filter { now - $0.time <= retentionSeconds }
        for r in kept { ids.formUnion(r.ids.map(String.init)) }
        maxSequence = records.map(\.sequence).max() ?? 0
        oldestTime = kept.map(\.time).min()
        if kept.count != records.count || skipped || records.contains(where: { $0.sequence == 0 }) {
            try rewrite(kept)
            maxSequence = max(maxSequence, 1)
        } else {
            if validEnd < data.count {
                // Only a torn tail: cut it, so the next record starts on a line of its own.
                let cut = open(path, O_WRONLY | O_CLOEXEC)
                guard cut >= 0, ftruncate(cut, off_t(validEnd)) == 0, fdatasync(cut) == 0 else {
                    let code = errno
                    if cut >= 0 { close(cut) }
                    throw StorageError(errno: code, operation: "truncate", path: path)
                }
                close(cut)
            }
            if let r = records.last { last = (r.sequence, r.offset, r.ids.map(String.init)) }
        }
        try openForAppend()
    }

    deinit { if fd >= 0 { close(fd) } }

    func contains(_ id: String) -> Bool { ids.contains(id) }

    var count: Int { ids.count }

    /// Appends the group's record; its ids count as committed only after `markCommitted` (after
    /// the sync). `rollBackAppend` takes it back.
    func append(_ newIDs: [String], sequence: UInt64, now: Int64, faults: inout CommitFaults) throws(StorageError) {
        guard !newIDs.isEmpty else { return }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw StorageError(errno: errno, operation: "seek", path: path) }
        sizeBeforeAppend = Int64(size)
        if let code = faults.injectedError(.ledgerWrite) {
            throw StorageError(errno: code, operation: "write", path: path)
        }
        if let code = PosixFile.writeAll(fd, Self.encode(sequence: sequence, time: now, ids: newIDs)) {
            throw StorageError(errno: code, operation: "write", path: path)
        }
        last = (sequence, Int64(size), newIDs)
        maxSequence = max(maxSequence, sequence)
    }

    /// Cuts the file back to before the last `append` (a failed group).
    func rollBackAppend() {
        guard let size = sizeBeforeAppend else { return }
        _ = ftruncate(fd, off_t(size))
        _ = fdatasync(fd)
        sizeBeforeAppend = nil
        last = nil
    }

    func markCommitted(_ newIDs: [String], now: Int64) {
        sizeBeforeAppend = nil
        ids.formUnion(newIDs)
        if oldestTime == nil { oldestTime = now }
    }

    /// Whether the last record on file belongs to group `sequence`.
    func lastRecordIs(_ sequence: UInt64) -> Bool { last?.sequence == sequence }

    /// Recovery of a group that did not reach the disk whole: removes its record (the last one)
    /// and forgets its ids.
    func dropLastRecord(ifSequence sequence: UInt64) throws(StorageError) {
        guard let last, last.sequence == sequence else { return }
        guard ftruncate(fd, off_t(last.offset)) == 0, fdatasync(fd) == 0 else {
            throw StorageError(errno: errno, operation: "truncate", path: path)
        }
        ids.subtract(last.ids)
        self.last = nil
    }

    /// Drops expired records by rewriting the file, at most once an hour and only when the oldest
    /// record has expired; called between groups.
    func compactIfDue(now: Int64) throws(StorageError) {
        guard now - lastCompaction >= 3600, let oldest = oldestTime, now - oldest > retentionSeconds else { return }
        lastCompaction = now
        let data: [UInt8]
        do {
            data = try PosixFile.readAll(path) ?? []
        } catch {
            throw StorageError(errno: error.errno, operation: "read", path: path)
        }
        let kept = Self.parse(data).records.filter { now - $0.time <= retentionSeconds }
        ids = Set(kept.flatMap { $0.ids.map(String.init) })
        oldestTime = kept.map(\.time).min()
        try rewrite(kept)
        close(fd)
        try openForAppend()
    }

    private func openForAppend() throws(StorageError) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: path) }
    }

    /// Writes `records` to a new file, syncs it and renames it over the ledger.
    private func rewrite(_ records: [Record]) throws(StorageError) {
        let tmp = path + ".tmp"
        var body: [UInt8] = []
        var offsets: [Int64] = []
        for r in records {
            offsets.append(Int64(body.count))
            // Records of the old format get sequence 1: older than any group of this version.
            body += Self.encode(sequence: max(r.sequence, 1), time: r.time, ids: r.ids.map(String.init))
        }
        let tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard tfd >= 0 else { throw StorageError(errno: errno, operation: "open", path: tmp) }
        let ok = PosixFile.writeAll(tfd, body) == nil && fsync(tfd) == 0
        let err = errno
        close(tfd)
        guard ok else {
            unlink(tmp)
            throw StorageError(errno: err, operation: "write", path: tmp)
        }
        guard rename(tmp, path) == 0 else { throw StorageError(errno: errno, operation: "rename", path: path) }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try? PosixFile.syncDirectory(parent)
        if let r = records.last { last = (max(r.sequence, 1), offsets.last!, r.ids.map(String.init)) }
    }

    static func encode(sequence: UInt64, time: Int64, ids: [String]) -> [UInt8] {
        let rest = "\(sequence) \(time) " + ids.joined(separator: " ")
        let sum = CRC32.checksum(rest.utf8)
        return Array("L1 \(sum) \(rest)\n".utf8)
    }

    /// The intact records, where the intact prefix of the file ends, and whether a damaged record
    /// was skipped before the end.
    private static func parse(_ data: [UInt8]) -> (records: [Record], validEnd: Int, skipped: Bool) {
        var records: [Record] = []
        var start = 0
        var validEnd = 0
        var skipped = false
        var pendingDamage = false
        while start < data.count {
            guard let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let line = String(decoding: data[start..<newline], as: UTF8.self)
            if let record = parseLine(line, offset: Int64(start)) {
                records.append(record)
                validEnd = newline + 1
                if pendingDamage { skipped = true }
                pendingDamage = false
            } else {
                pendingDamage = true
            }
            start = newline + 1
        }
        return (records, validEnd, skipped)
    }

    private static func parseLine(_ line: String, offset: Int64) -> Record? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        if fields.count >= 5, fields[0] == "L1", let sum = UInt32(fields[1]) {
            let rest = line.utf8.dropFirst(fields[0].utf8.count + fields[1].utf8.count + 2)
            guard CRC32.checksum(rest) == sum, let sequence = UInt64(fields[2]), let time = Int64(fields[3]) else {
                return nil
            }
            return Record(sequence: sequence, time: time, ids: Array(fields[4...]), offset: offset)
        }
        // The format before checksums: `<id> <unix-seconds>`.
        if fields.count == 2, let time = Int64(fields[1]), !fields[0].isEmpty {
            return Record(sequence: 0, time: time, ids: [fields[0]], offset: offset)
        }
        return nil
    }
}
