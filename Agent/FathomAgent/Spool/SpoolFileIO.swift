import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// The handful of POSIX calls the spool needs, each retrying on EINTR and reporting errno.
///
/// Kept as plain syscalls rather than FileManager so every fsync is visible: the spool's promise
/// ("once `append` returns, the batch survives a power cut") rests on exactly these calls.
enum SpoolFileIO {
    /// Creates `path` and any missing parents with mode 0700; an existing directory is fine.
    static func makeDirectories(_ path: String) throws(SpoolError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw SpoolError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw SpoolError.io(operation: "mkdir", path: path, errno: ENOTDIR)
        }
    }

    /// Writes `bytes` to a new file at `tempPath`, fsyncs it, renames it to `finalPath`, and fsyncs
    /// the directory so the rename itself is durable. On failure the temp file is removed.
    static func writeDurably(_ bytes: [UInt8], tempPath: String, finalPath: String, directory: String)
        throws(SpoolError)
    {
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.io(operation: "open", path: tempPath, errno: errno) }
        do throws(SpoolError) {
            try writeAll(fd, bytes, path: tempPath)
            // fdatasync is not enough for a new file: its size (metadata) must be durable too.
            guard fsync(fd) == 0 else { throw SpoolError.io(operation: "fsync", path: tempPath, errno: errno) }
            guard close(fd) == 0 else {
                throw SpoolError.io(operation: "close", path: tempPath, errno: errno)
            }
        } catch {
            close(fd)
            unlink(tempPath)
            throw error
        }
        guard rename(tempPath, finalPath) == 0 else {
            let code = errno
            unlink(tempPath)
            throw SpoolError.io(operation: "rename", path: finalPath, errno: code)
        }
        try syncDirectory(directory)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SpoolError) {
        if let code = PosixFile.writeAll(fd, bytes) { throw SpoolError.io(operation: "write", path: path, errno: code) }
    }

    /// Makes creations, renames and unlinks in `directory` durable.
    static func syncDirectory(_ directory: String) throws(SpoolError) {
        do {
            try PosixFile.syncDirectory(directory)
        } catch {
            throw SpoolError.io(operation: error.operation, path: directory, errno: error.errno)
        }
    }

    /// Reads at most `limit` bytes from the start of the file, plus the file's size.
    /// Returns nil if the file does not exist.
    static func read(_ path: String, limit: Int = .max) throws(SpoolError) -> (bytes: [UInt8], size: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw SpoolError.io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SpoolError.io(operation: "fstat", path: path, errno: errno) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: min(size, limit))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count > 0 {
                offset += count
            } else if count == 0 {
                break  // shrank since fstat; the caller sees the short read as truncation
            } else if errno != EINTR {
                throw SpoolError.io(operation: "read", path: path, errno: errno)
            }
        }
        bytes.removeLast(bytes.count - offset)
        return (bytes, size)
    }

    /// Names in `directory`, excluding `.` and `..`, in no particular order.
    static func list(_ directory: String) throws(SpoolError) -> [String] {
        guard let dir = opendir(directory) else {
            throw SpoolError.io(operation: "opendir", path: directory, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file; a file that is already gone counts as removed.
    static func remove(_ path: String) throws(SpoolError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SpoolError.io(operation: "unlink", path: path, errno: errno)
        }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
