#if canImport(Glibc)
    import Glibc
#endif

/// ``SysFS`` on a real directory: /sys itself, or a fixture tree laid out like it in tests.
///
/// ```swift
/// let real = LinuxSysFS()
/// let fixture = LinuxSysFS(root: "/tmp/fixture/sys")
/// ```
public struct LinuxSysFS: SysFS {
    /// The directory read as /sys.
    public let root: String

    public init(root: String = "/sys") {
        self.root = root
    }

    public func read(_ relativePath: String) -> String? {
        let fd = open(root + "/" + relativePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // sysfs attributes are at most a page; a second read returns 0 and ends the loop.
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 0
        while used < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n > 0 {
                used += n
            } else if n == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return String(decoding: bytes[0..<used], as: UTF8.self)
    }

    public func entries(_ relativePath: String) -> [String] {
        guard let dir = opendir(root + "/" + relativePath) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func resolved(_ relativePath: String) -> String? {
        guard let base = Self.realPath(root), let full = Self.realPath(root + "/" + relativePath) else { return nil }
        if full == base { return "" }
        let prefix = base == "/" ? "/" : base + "/"
        guard full.hasPrefix(prefix) else { return nil }
        return String(full.dropFirst(prefix.count))
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
