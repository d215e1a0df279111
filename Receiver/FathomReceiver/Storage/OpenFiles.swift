import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The writer thread's open append-only files, with per-upload rollback and per-group sync.
///
/// The first time a file is opened in this process its tail is checked: bytes after the last
/// newline can only be a torn write from a crash before acknowledgement, so they are cut off.
final class OpenFiles: @unchecked Sendable {  // confined to the writer thread after init
    private let root: String
    private var descriptors: [String: Int32] = [:]
    private var touched: Set<Int32> = []
    private var newDirectories: Set<String> = []
    private let maxOpen = 512
    private let syncer = ParallelSync()

    init(root: String) { self.root = root }

    func beginGroup() {
        touched.removeAll(keepingCapacity: true)
        newDirectories.removeAll(keepingCapacity: true)
    }

    /// Writes all appends of one upload; on any failure, undoes this upload's writes and throws.
    func apply(_ appends: [FileAppend]) throws(StorageError) {
        var before: [(fd: Int32, size: off_t)] = []
        do throws(StorageError) {
            for a in appends {
                let fd = try descriptor(for: a.relativePath)
                if !before.contains(where: { $0.fd == fd }) { before.append((fd, lseek(fd, 0, SEEK_END))) }
                if let code = PosixFile.writeAll(fd, a.bytes) {
                    throw StorageError(errno: code, operation: "write", path: a.relativePath)
                }
                touched.insert(fd)
            }
        } catch {
            for (fd, size) in before where size >= 0 { _ = ftruncate(fd, size) }
            throw error
        }
    }

    /// Makes every file written in this group, new directories, and `extra` durable.
    func syncGroup(extra: Int32) throws(StorageError) {
        if let code = syncer.fdatasyncAll(Array(touched)) {
            throw StorageError(errno: code, operation: "fdatasync", path: "data file")
        }
        for dir in newDirectories.sorted(by: { $0.count > $1.count }) {
            let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                fsync(dfd)
                close(dfd)
            }
        }
        if fdatasync(extra) != 0 { throw StorageError(errno: errno, operation: "fdatasync", path: "batch ledger") }
        if descriptors.count > maxOpen { closeAll() }
    }

    func closeAll() {
        for fd in descriptors.values { close(fd) }
        descriptors.removeAll()
    }

    private func descriptor(for relativePath: String) throws(StorageError) -> Int32 {
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
