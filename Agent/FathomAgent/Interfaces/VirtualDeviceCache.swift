import Synchronization

/// Whether each interface's device is virtual, remembered per name and ifindex: resolving
/// `/sys/class/net/<if>` costs several syscalls, and a device does not move between physical and
/// virtual while its index stays the same (a re-created interface gets a new index).
final class VirtualDeviceCache: Sendable {
    private let known = Mutex<[String: (index: Int, isVirtual: Bool)]>([:])

    /// The cached answer when `index` matches the one it was found under, else `lookup`'s (kept).
    /// A nil index (the /sys path, which has not read it yet) always looks up.
    func isVirtual(_ name: String, index: Int?, lookup: () -> Bool) -> Bool {
        if let index, let entry = known.withLock({ $0[name] }), entry.index == index { return entry.isVirtual }
        let answer = lookup()
        if let index { known.withLock { $0[name] = (index, answer) } }
        return answer
    }

    /// Forgets every name but `names` (the links of the latest sample), so a host where short-lived
    /// interfaces come and go (container veths) does not grow the cache without end.
    func keep(only names: Set<String>) {
        known.withLock { known in known = known.filter { names.contains($0.key) } }
    }
}
