#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the receiver's resident size from ratcheting up under large or hostile uploads by giving
/// glibc's allocator back what a request freed.
///
/// Measured with `fathom-bench` (`HostileMemory`, debug build, 1,500 valid then 1,500 malformed
/// uploads, some of them 1–4 MiB bodies with a bad last line): without this policy the receiver
/// stayed at 70.5 MiB after the malformed ones against 42.7 MiB after the valid ones (1.65x), with
/// nothing left referenced: retention, not a leak; with it, 48.1 against 42.5 MiB (1.13x).
/// glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), so the
/// next request bodies (NIO's `ByteBuffer`, the validator's copy) came from the heap arenas,
/// which are not shrunk below their high-water mark. A fixed threshold keeps large bodies in their own mappings, unmapped on free;
/// fewer arenas and a periodic `malloc_trim` return what small allocations left behind.
///
/// ```swift
/// MallocPolicy.apply()
/// let trimming = Task { await MallocPolicy.trimPeriodically() }
/// ```
public enum MallocPolicy {
    /// Blocks at least this large get their own mapping, returned to the kernel when freed.
    public static let mmapThresholdBytes: Int32 = 256 * 1024
    /// Enough arenas for the event loops and the writer not to contend on two to eight cores.
    public static let arenaMax: Int32 = 4

    // <malloc.h> is not part of Swift's Glibc module: the two calls are looked up by name, and
    // are simply skipped on a C library without them (musl).
    private typealias MalloptFunction = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrimFunction = @convention(c) (Int) -> Int32
    private static let mMmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    private static let mArenaMax: Int32 = -8  // M_ARENA_MAX

    private static func function<F>(_ name: String, as type: F.Type) -> F? {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
            return unsafeBitCast(symbol, to: type)
        #else
            return nil
        #endif
    }

    /// Sets the allocator's options; call once, early, before the server starts its threads.
    /// False when the C library has no `mallopt` or refused an option.
    @discardableResult
    public static func apply() -> Bool {
        guard let mallopt = function("mallopt", as: MalloptFunction.self) else { return false }
        // Setting the threshold also turns off its dynamic growth (mallopt(3)).
        return mallopt(mMmapThreshold, mmapThresholdBytes) == 1 && mallopt(mArenaMax, arenaMax) == 1
    }

    /// Returns free heap pages to the kernel every `interval` until cancelled. `malloc_trim` walks
    /// the arenas under their locks for well under a millisecond here, off the event loops.
    public static func trimPeriodically(every interval: Duration = .seconds(15)) async {
        guard let trim = function("malloc_trim", as: MallocTrimFunction.self) else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            _ = trim(0)
        }
    }
}
