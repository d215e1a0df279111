import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The writer thread's open append-only files: descriptors kept open across groups, appends,
/// cut-backs and the per-group sync.
///
/// The first time a file is opened in this process its tail is checked: bytes after the last
/// newline can only be a torn write from a crash before acknowledgement, so they are cut off.
final class OpenFiles: @unchecked Sendable {  // confined to the writer thread after init
    private let root: String
    private var descriptors: [String: Int32] = [:]
    private var newDirectories: Set<String> = []
    private let maxOpen = 512
    private let syncer = ParallelSync()

    init(root: String) { self.root = root }

    func beginGroup() {
        newDirectories.removeAll(keepingCapacity: true)
    }

    /// The file's current end, where the group's bytes will start.
    func endOffset(_ fd: Int32, path: String) throws(StorageError) -> Int64 {
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw StorageError(errno: errno, operation: "seek", path: path) }
        return Int64(size)
    }

    func append(_ fd: Int32, _ bytes: [UInt8], path: String, faults: inout CommitFaults) throws(StorageError) {
        if let code = faults.injectedError(.dataWrite) {
            throw StorageError(errno: code, operation: "write", path: path)
        }
        if let code = PosixFile.writeAll(fd, bytes) { throw StorageError(errno: code, operation: "write", path: path) }
    }

    /// Takes a failed group's bytes back out of a file, durably.
    func cutBack(_ fd: Int32, to size: Int64) -> Bool {
        ftruncate(fd, off_t(size)) == 0 && fdatasync(fd) == 0
    }

    /// Makes `fds`, the directories created in this group, and `extra` durable.
    func syncGroup(_ fds: [Int32], extra: [Int32], faults: inout CommitFaults) throws(StorageError) {
        if let code = faults.injectedError(.sync) {
            throw StorageError(errno: code, operation: "fdatasync", path: "data file")
        }
        if let code = syncer.fdatasyncAll(fds + extra) {
            throw StorageError(errno: code, operation: "fdatasync", path: "data file")
        }
        for dir in newDirectories.sorted(by: { $0.count > $1.count }) {
            let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dfd >= 0 else { throw StorageError(errno: errno, operation: "open", path: dir) }
            defer { close(dfd) }
            guard fsync(dfd) == 0 else { throw StorageError(errno: errno, operation: "fsync", path: dir) }
        }
        if descriptors.count > maxOpen { closeAll() }
    }

    func closeAll() {
        for fd in descriptors.values { close(fd) }
        descriptors.removeAll()
    }

    func descriptor(for relativePath: String) throws(StorageError) -> Int32 {
        if let fd = descriptors[relativePath] { return fd }
        let full = root + "/" + relativePath
        let components = relativePath.split(separator: "/")
        var dir = root
        for c in components.dropLast() {
            dir += "/" + c
            if mkdir(dir, 0o755) == 0 {
                // Both the new directory and its parent's entry for it must be synced.
                newDirectories.insert(dir)
                newDirectories.insert(String(dir[..<dir.lastIndex(of: "/")!]))
            } else if errno != EEXIST {
                throw StorageError(errno: errno, operation: "mkdir", path: dir)
            }
        }
        var created = false
        var fd = open(full, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            created = true
        }
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: relativePath) }
        if created {
            newDirectories.insert(dir)
        } else {
            cutTornTail(fd: fd, path: full)
        }
        descriptors[relativePath] = fd
        return fd
    }

    private func cutTornTail(fd: Int32, path: String) {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        let rfd = open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { return }
        defer { close(rfd) }
        var offset = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while offset > 0 {
            let len = min(off_t(chunk.count), offset)
            offset -= len
            let n = chunk.withUnsafeMutableBytes { pread(rfd, $0.baseAddress, Int(len), offset) }
            guard n == Int(len) else { return }
            if let last = chunk[0..<n].lastIndex(of: UInt8(ascii: "\n")) {
                let keep = offset + off_t(last) + 1
                if keep < size {
                    _ = ftruncate(fd, keep)
                    _ = fdatasync(fd)
                }
                return
            }
        }
        _ = ftruncate(fd, 0)
        _ = fdatasync(fd)
    }
}
