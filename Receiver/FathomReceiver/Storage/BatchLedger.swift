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
        if let text = try? readWholeFile(path) {
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
            let ok = writeAll(tfd, Array(body.utf8)) && fsync(tfd) == 0
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
        guard writeAll(fd, Array(body.utf8)) else { throw StorageError(errno: errno, operation: "write", path: path) }
    }

    func markCommitted(_ newIDs: [String]) { ids.formUnion(newIDs) }

    var count: Int { ids.count }
}

/// Writes every byte or reports failure (errno set); retries short writes and EINTR.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { raw in
            write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
        }
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// Reads a small file whole; nil if it does not exist.
func readWholeFile(_ path: String) throws -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        if errno == ENOENT { return nil }
        throw StorageError(errno: errno, operation: "open", path: path)
    }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw StorageError(errno: errno, operation: "read", path: path)
        }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}
