import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The set of upload batch ids already made durable, kept in an append-only file so a replayed
/// batch is recognised after a receiver restart too.
///
/// Each line is `<batch-id> <unix-seconds>`. Entries older than `retentionSeconds` are dropped
/// when the ledger is opened (an agent gives up on a batch long before that).
/// Only the writer thread touches it, so it needs no lock.
final class BatchLedger: @unchecked Sendable {  // confined to the writer thread after init
    private let path: String
    private(set) var fd: Int32 = -1
    private var ids: Set<String> = []
    let retentionSeconds: Int64

    init(path: String, retentionSeconds: Int64 = 14 * 86_400, now: Int64) throws(StorageError) {
        self.path = path
        self.retentionSeconds = retentionSeconds
        var kept: [(String, Int64)] = []
        var dropped = false
        if let text = try? PosixFile.readText(path) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                // A torn last line (crash mid-append) is not a committed id: skip it.
                guard parts.count == 2, let t = Int64(parts[1]) else { dropped = true; continue }
                if now - t > retentionSeconds { dropped = true; continue }
                kept.append((String(parts[0]), t))
            }
        }
        ids = Set(kept.map(\.0))
        if dropped {
            // Rewrite atomically without expired or torn entries.
            let tmp = path + ".tmp"
            let body = kept.map { "\($0.0) \($0.1)\n" }.joined()
            let tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard tfd >= 0 else { throw StorageError(errno: errno, operation: "open", path: tmp) }
            let ok = PosixFile.writeAll(tfd, Array(body.utf8)) == nil && fsync(tfd) == 0
            let err = errno
            close(tfd)
            guard ok else { throw StorageError(errno: err, operation: "write", path: tmp) }
            guard rename(tmp, path) == 0 else { throw StorageError(errno: errno, operation: "rename", path: path) }
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: path) }
    }

    deinit { if fd >= 0 { close(fd) } }

    func contains(_ id: String) -> Bool { ids.contains(id) }

    /// Appends ids; they count as committed only after `markCommitted` (after the sync).
    func append(_ newIDs: [String], now: Int64) throws(StorageError) {
        guard !newIDs.isEmpty else { return }
        let body = newIDs.map { "\($0) \(now)\n" }.joined()
        if let code = PosixFile.writeAll(fd, Array(body.utf8)) { throw StorageError(errno: code, operation: "write", path: path) }
    }

    func markCommitted(_ newIDs: [String]) { ids.formUnion(newIDs) }

    var count: Int { ids.count }
}
