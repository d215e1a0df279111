/// The agent's window onto /sys, the second half of its host-access seam beside ``ProcFS``: the
/// interface sampler reads `/sys/class/net` only through it, so its rules are tested on fixture
/// trees.
///
/// ```swift
/// let sysfs = LinuxSysFS()                       // or LinuxSysFS(root: fixtureTree)
/// let names = sysfs.entries("class/net")         // ["eth0", "lo"]
/// let mtu = sysfs.read("class/net/eth0/mtu")     // "1500\n"
/// ```
public protocol SysFS: Sendable {
    /// Contents of a file under /sys by relative path; nil when it does not exist or cannot be read
    /// (sysfs answers EINVAL for `speed` on a link that is down).
    func read(_ relativePath: String) -> String?
    /// The names in a directory under /sys (without `.` and `..`), sorted; empty when it is absent.
    func entries(_ relativePath: String) -> [String]
    /// Where a path under /sys leads once every symbolic link is followed, relative to the root
    /// (`class/net/lo` → `devices/virtual/net/lo`); nil when it does not resolve inside the root.
    func resolved(_ relativePath: String) -> String?
}
