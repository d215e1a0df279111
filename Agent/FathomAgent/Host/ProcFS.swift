/// The agent's only window onto the host for sampling: /proc files, users, clock and a few constants.
///
/// Everything the sampler knows about the machine comes through this protocol, so every sampling
/// rule can be tested against an in-memory tree of fake files.
///
/// ```swift
/// let procfs = LinuxProcFS()
/// let meminfo = procfs.read("meminfo")
/// let pids = procfs.pids()
/// ```
public protocol ProcFS: Sendable {
    /// Contents of a file under /proc given by relative path ("meminfo", "1234/stat");
    /// nil when it does not exist or cannot be read (e.g. the process vanished).
    func read(_ relativePath: String) -> String?
    /// The numeric entries of /proc, i.e. the live process ids.
    func pids() -> [Int]
    /// The uid owning /proc/<pid>; nil when the process vanished.
    func ownerUID(pid: Int) -> UInt32?
    /// The login name for a uid; nil when the user database does not know it.
    func userName(uid: UInt32) -> String?
    /// `sysconf(_SC_CLK_TCK)`, the unit of the tick fields in /proc/<pid>/stat.
    var clockTicksPerSecond: Int { get }
    /// `sysconf(_SC_PAGESIZE)` in bytes, the unit of /proc/<pid>/statm.
    var pageSizeBytes: Int { get }
    /// Wall-clock time now, with the local UTC offset (sonar prints local time).
    func now() -> LocalTime
    /// `gethostname()` verbatim.
    func hostname() -> String
    /// Whether `/sys/module/<name>` exists; GPU vendors are detected by their kernel module.
    func kernelModuleLoaded(_ name: String) -> Bool
}

/// A moment as whole epoch seconds plus the UTC offset in force locally at that moment.
public struct LocalTime: Sendable, Equatable {
    /// Seconds since the Unix epoch.
    public var epochSeconds: Int64
    /// Seconds east of UTC (e.g. 3600 for +01:00).
    public var utcOffsetSeconds: Int

    public init(epochSeconds: Int64, utcOffsetSeconds: Int) {
        self.epochSeconds = epochSeconds
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}
