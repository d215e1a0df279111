#if canImport(Glibc)
    import Glibc
#endif

/// CPU seconds (user + system) as the kernel accounts them.
struct CPUSeconds {
    var user: Double
    var system: Double
    var total: Double { user + system }

    static func - (a: CPUSeconds, b: CPUSeconds) -> CPUSeconds {
        CPUSeconds(user: a.user - b.user, system: a.system - b.system)
    }
}

/// Kernel resource accounting for this process and its waited-for children.
///
/// The bench reads the kernel's own counters rather than timing with a clock, because a
/// sampler's cost on a busy node is CPU taken from jobs, not wall time.
enum ResourceUsage {
    /// CPU used by this process so far (all threads).
    static func selfCPU() -> CPUSeconds { cpu(RUSAGE_SELF.rawValue) }

    /// CPU used by all children this process has waited for (fork/exec and the child's work).
    static func childrenCPU() -> CPUSeconds { cpu(RUSAGE_CHILDREN.rawValue) }

    private static func cpu(_ who: __rusage_who_t) -> CPUSeconds {
        var usage = rusage()
        _ = getrusage(who, &usage)
        return CPUSeconds(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    static func seconds(_ tv: timeval) -> Double { Double(tv.tv_sec) + Double(tv.tv_usec) / 1e6 }

    /// Peak resident set size of this process (VmHWM), in KiB; nil if /proc is unreadable.
    static func peakRSSKiB() -> Int? {
        guard let status = readSmallFile("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16384)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }
}

extension Duration {
    /// The duration in seconds, for printing rates.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
