#if canImport(Glibc)
    import Glibc
#endif

/// `ProcFS` backed by the real kernel interfaces.
///
/// The roots are configurable so that tests can point it at a directory tree laid out like /proc.
///
/// ```swift
/// let real = LinuxProcFS()
/// let fake = LinuxProcFS(procRoot: "/tmp/fakeproc", sysModuleRoot: "/tmp/fakesys/module")
/// ```
public struct LinuxProcFS: ProcFS {
    /// Directory read as /proc.
    public let procRoot: String
    /// Directory read as /sys/module.
    public let sysModuleRoot: String
    public let clockTicksPerSecond: Int
    public let pageSizeBytes: Int

    public init(procRoot: String = "/proc", sysModuleRoot: String = "/sys/module") {
        self.procRoot = procRoot
        self.sysModuleRoot = sysModuleRoot
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        let page = sysconf(Int32(_SC_PAGESIZE))
        // Both are always positive on Linux; the fallbacks only guard against a broken libc.
        self.clockTicksPerSecond = ticks > 0 ? ticks : 100
        self.pageSizeBytes = page > 0 ? page : 4096
    }

    public func read(_ relativePath: String) -> String? {
        let fd = open(procRoot + "/" + relativePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // /proc files report size 0, so read until EOF instead of trusting fstat. One buffer that
        // grows in place: most files (stat, status, cgroup) fit the first read.
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 0
        while true {
            if used == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n > 0 {
                used += n
                // /proc generates these files whole on each read, so a read that leaves room in
                // the buffer got everything: skip the extra read(2) that would only return 0.
                if used < bytes.count { break }
            } else if n == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                // ESRCH and friends: the process went away mid-read.
                return nil
            }
        }
        return String(decoding: bytes[0..<used], as: UTF8.self)
    }

    public func pids() -> [Int] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        var result: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if let pid = Int(name), pid > 0 { result.append(pid) }
        }
        return result
    }

    public func ownerUID(pid: Int) -> UInt32? {
        var info = stat()
        guard stat(procRoot + "/\(pid)", &info) == 0 else { return nil }
        return info.st_uid
    }

    public func userName(uid: UInt32) -> String? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let rc = getpwuid_r(uid, &entry, &buffer, buffer.count, &found)
            if rc == ERANGE && buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            guard rc == 0, found != nil, let name = entry.pw_name else { return nil }
            return String(cString: name)
        }
    }

    public func now() -> LocalTime {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return LocalTime(epochSeconds: Int64(seconds), utcOffsetSeconds: Int(parts.tm_gmtoff))
    }

    public func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func kernelModuleLoaded(_ name: String) -> Bool {
        access(sysModuleRoot + "/" + name, F_OK) == 0
    }
}
