import Glibc
import Synchronization

/// Reverse names for hop addresses (pScheduler `hostnames`), looked up after the trace so DNS
/// never inflates an RTT, all at once, with one deadline for the lot.
///
/// Every distinct address gets its own detached thread calling `getnameinfo(NI_NAMEREQD)`
/// (`/etc/hosts`, then DNS, as nsswitch says). `names(for:)` returns when all have answered or
/// the deadline has passed, whichever is first; a lookup still running then is left to finish on
/// its own and its address simply has no name. An address without a name (no PTR) is left out.
/// Names are returned as `getnameinfo` gives them, without a trailing dot.
///
/// ```swift
/// let names = ReverseNameResolver().names(for: ["127.0.0.1", "192.0.2.1"])
/// names["127.0.0.1"]   // "localhost"
/// ```
public struct ReverseNameResolver: Sendable {
    /// pScheduler reserves 2 s of a trace's run time for its hostname lookups.
    public static let defaultDeadline: Duration = .seconds(2)

    /// The longest `names(for:)` waits in all.
    public var deadline: Duration
    /// One address to its name, or nil; blocking is fine (it runs on its own thread).
    let lookup: @Sendable (String) -> String?

    public init(deadline: Duration = defaultDeadline, lookup: @escaping @Sendable (String) -> String? = ReverseNameResolver.systemLookup) {
        self.deadline = deadline
        self.lookup = lookup
    }

    /// Names for `addresses` (duplicates looked up once) that resolved within the deadline.
    public func names(for addresses: [String]) -> [String: String] {
        var unique: [String] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        guard !unique.isEmpty else { return [:] }
        let end = ContinuousClock.now.advanced(by: deadline)
        let collector = Collector()
        let lookup = self.lookup
        var started = 0
        for address in unique {
            let spawned = Self.detach {
                let name = lookup(address)
                collector.finish(address, name)
            }
            if spawned { started += 1 }
        }
        return collector.wait(for: started, until: end)
    }

    /// `getnameinfo` with `NI_NAMEREQD` for a numeric IPv4 / IPv6 address; nil when the address
    /// does not parse or has no name.
    public static func systemLookup(_ address: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, nil, &hints, &list) == 0, let first = list, let sockaddr = first.pointee.ai_addr else {
            return nil
        }
        defer { freeaddrinfo(list) }
        var host = [CChar](repeating: 0, count: 1025)  // NI_MAXHOST
        let status = getnameinfo(sockaddr, first.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
        guard status == 0 else { return nil }
        let name = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return name.isEmpty ? nil : name
    }

    /// Runs `body` on a new detached pthread; false when no thread could be made.
    private static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// Where lookup threads leave their answers; the waiter sleeps on a semaphore posted once per
    /// finished lookup. Lives as long as the last thread holding it, so a late lookup writes into
    /// a live object that nobody reads any more.
    private final class Collector: @unchecked Sendable {
        private let state = Mutex<[String: String]>([:])
        private let semaphore: UnsafeMutablePointer<sem_t>

        init() {
            semaphore = .allocate(capacity: 1)
            sem_init(semaphore, 0, 0)
        }

        deinit {
            sem_destroy(semaphore)
            semaphore.deallocate()
        }

        func finish(_ address: String, _ name: String?) {
            if let name { state.withLock { $0[address] = name } }
            sem_post(semaphore)
        }

        /// Waits for `count` posts or until `end`, then returns what has arrived.
        func wait(for count: Int, until end: ContinuousClock.Instant) -> [String: String] {
            var done = 0
            while done < count {
                let left = ContinuousClock.now.duration(to: end)
                if left <= .zero { break }
                // sem_timedwait takes an absolute CLOCK_REALTIME time (sem_clockwait is not
                // imported); waiting in slices of at most 100 ms bounds what a clock step can add.
                let slice = min(left, .milliseconds(100))
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let nanos = Int(now.tv_nsec) + Int(slice.components.attoseconds / 1_000_000_000)
                var wake = timespec(tv_sec: now.tv_sec + nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
                if sem_timedwait(semaphore, &wake) == 0 {
                    done += 1
                } else if errno != EINTR && errno != ETIMEDOUT {
                    break
                }
            }
            return state.withLock { $0 }
        }
    }
}
