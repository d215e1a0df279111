#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call on a file, with the errno it gave.
public struct PosixFileError: Error, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// The few POSIX file operations both daemons build their durability on, written once: whole
/// writes that survive short writes and EINTR, whole reads, and directory syncs.
public enum PosixFile {
    /// Writes every byte; returns the errno on failure (nil on success).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        let failure: Int32? = bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return n < 0 ? errno : EIO
                }
            }
            return nil
        }
        return failure
    }

    /// The whole file, or nil if it does not exist.
    public static func readAll(_ path: String) throws(PosixFileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PosixFileError(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PosixFileError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// A small text file (config, password, ledger) whole, or nil if it does not exist.
    public static func readText(_ path: String) throws(PosixFileError) -> String? {
        try readAll(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// fsyncs a directory, so entries created, renamed or removed in it survive a crash.
    public static func syncDirectory(_ path: String) throws(PosixFileError) {
        let fd = open(path.isEmpty ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PosixFileError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PosixFileError(operation: "fsync", path: path, errno: errno) }
    }
}
