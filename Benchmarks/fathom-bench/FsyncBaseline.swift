#if canImport(Glibc)
    import Glibc
#endif

/// The disk's own durable-append rate: one writer doing "append N bytes, fdatasync" in a loop.
///
/// This is what a receiver without group commit could at best achieve (one sync per upload), so
/// receiver uploads/s divided by this says how much sync sharing buys on this disk.
enum FsyncBaseline {
    struct Result {
        var appends: Int
        var seconds: Double
        var perSecond: Double { Double(appends) / seconds }
    }

    static func measure(directory: String, bytes: Int, seconds: Double) throws -> Result {
        let path = directory + "/fdatasync-baseline.dat"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Subprocess.Failure(description: "open \(path): \(String(cString: strerror(errno)))")
        }
        defer {
            close(fd)
            unlink(path)
        }
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: bytes)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        var appends = 0
        while clock.now < deadline {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes, fdatasync(fd) == 0 else {
                throw Subprocess.Failure(description: "append/fdatasync \(path): \(String(cString: strerror(errno)))")
            }
            appends += 1
        }
        return Result(appends: appends, seconds: (clock.now - start).seconds)
    }
}
