import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The one-record file (`.fathom/commit-journal`) that holds the intent of the group commit in
/// flight. It is overwritten in place for every group and synced before the group writes data, so
/// at any crash it describes the only group whose bytes may be half on disk.
///
/// A torn overwrite is harmless: it can only happen before the new group wrote anything, and the
/// previous group had finished; a torn record fails its checksum and reads as no intent.
/// Only the writer thread touches it, so it needs no lock.
final class CommitJournal: @unchecked Sendable {  // confined to the writer thread after init
    let path: String
    private let fd: Int32

    init(path: String) throws(StorageError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: path) }
    }

    deinit { close(fd) }

    /// The intent on disk, or nil when there is none or it is torn.
    func read() -> CommitIntent? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            data.append(contentsOf: buffer[0..<n])
            offset += off_t(n)
        }
        return CommitIntent(decoding: data)
    }

    /// Replaces the record with `intent`; not yet durable (see `sync`).
    func write(_ intent: CommitIntent, faults: inout CommitFaults) throws(StorageError) {
        if let code = faults.injectedError(.journalWrite) {
            throw StorageError(errno: code, operation: "write", path: path)
        }
        let bytes = intent.encoded()
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StorageError(errno: n < 0 ? errno : EIO, operation: "write", path: path) }
            done += n
        }
        // Stale bytes past the record are ignored by its length, so a failed truncate is harmless.
        _ = ftruncate(fd, off_t(bytes.count))
    }

    func sync(faults: inout CommitFaults) throws(StorageError) {
        if let code = faults.injectedError(.journalSync) {
            throw StorageError(errno: code, operation: "fdatasync", path: path)
        }
        guard fdatasync(fd) == 0 else { throw StorageError(errno: errno, operation: "fdatasync", path: path) }
    }

    /// Forgets the intent once recovery has settled it.
    func clear() throws(StorageError) {
        guard ftruncate(fd, 0) == 0, fdatasync(fd) == 0 else {
            throw StorageError(errno: errno, operation: "truncate", path: path)
        }
    }
}
