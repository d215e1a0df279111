import Synchronization

/// What the interface sampler remembers about each link between samples, so that with a link
/// table it touches /sys only when an answer may have changed:
///
/// - whether the device is virtual, per name and ifindex: resolving `/sys/class/net/<if>` costs
///   several syscalls, and a device does not move between physical and virtual while its index
///   stays the same (a re-created interface gets a new index);
/// - the speed, per name, index and the link's operstate and flags: a link's speed changes only
///   when it renegotiates, which takes its carrier down and up (`IFF_LOWER_UP`, operstate).
final class LinkFactsCache: Sendable {
    struct Facts {
        var index: Int
        var isVirtual: Bool
        /// The operstate and flags the speed was read under; nil: not read yet.
        var speedSignature: String?
        var speed: Int?
    }

    private let known = Mutex<[String: Facts]>([:])

    /// The cached answer when `index` matches the one it was found under, else `lookup`'s (kept).
    /// A nil index (the /sys path, which has not read it yet) always looks up.
    func isVirtual(_ name: String, index: Int?, lookup: () -> Bool) -> Bool {
        if let index, let facts = known.withLock({ $0[name] }), facts.index == index { return facts.isVirtual }
        let answer = lookup()
        if let index {
            known.withLock { $0[name] = Facts(index: index, isVirtual: answer, speedSignature: nil, speed: nil) }
        }
        return answer
    }

    /// The speed read under the same index and `signature` before, else `lookup`'s (kept).
    func speed(_ name: String, index: Int, signature: String, lookup: () -> Int?) -> Int? {
        if let facts = known.withLock({ $0[name] }), facts.index == index, facts.speedSignature == signature {
            return facts.speed
        }
        let speed = lookup()
        known.withLock { known in
            guard var facts = known[name], facts.index == index else { return }
            facts.speedSignature = signature
            facts.speed = speed
            known[name] = facts
        }
        return speed
    }

    /// Forgets every name but `names` (the links of the latest sample), so a host where short-lived
    /// interfaces come and go (container veths) does not grow the cache without end.
    func keep(only names: Set<String>) {
        known.withLock { known in known = known.filter { names.contains($0.key) } }
    }
}
