import Glibc
import Synchronization

/// Blocking lookups for many addresses at once, cut off at one deadline: every distinct address
/// gets its own detached thread; `collect()` returns when all have answered or the deadline has
/// passed. A lookup still running then is left to finish on its own and its address simply has
/// no value. Reverse names and origin ASes of trace hops both go through here.
///
/// ```swift
/// let pending = ParallelLookup.start(["10.0.0.1"], lookup: { _ in "r1" }, deadline: .seconds(2))
/// let values = pending.collect()   // ["10.0.0.1": "r1"]
/// ```
final class ParallelLookup<Value: Sendable>: @unchecked Sendable {
    private let state = Mutex<[String: Value]>([:])
    private let semaphore: UnsafeMutablePointer<sem_t>
    private var started = 0
    private var end = ContinuousClock.now

    private init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Starts one thread per distinct address; the deadline runs from now.
    static func start(
        _ addresses: [String], lookup: @escaping @Sendable (String) -> Value?, deadline: Duration
    ) -> ParallelLookup<Value> {
        let pending = ParallelLookup<Value>()
        pending.end = ContinuousClock.now.advanced(by: deadline)
        var unique: [String] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        for address in unique {
            let spawned = detach {
                let value = lookup(address)
                pending.finish(address, value)
            }
            if spawned { pending.started += 1 }
        }
        return pending
    }

    private func finish(_ address: String, _ value: Value?) {
        if let value { state.withLock { $0[address] = value } }
        sem_post(semaphore)
    }

    /// Waits for every lookup or the deadline, then returns what has arrived.
    func collect() -> [String: Value] {
        var done = 0
        while done < started {
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

    /// Runs `body` on a new detached pthread; false when no thread could be made.
    private static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(DetachedBody(body)).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<DetachedBody>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, box)
        guard status == 0 else {
            Unmanaged<DetachedBody>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}

/// A thread body carried through `pthread_create`'s untyped argument.
private final class DetachedBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
