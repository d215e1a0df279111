import HummingbirdBcrypt
import NIOCore
import NIOPosix
import Synchronization

/// Runs bcrypt verifications on a few dedicated threads with a bounded queue, so a flood of
/// password guesses can neither block an event loop or a cooperative thread nor queue without
/// limit: when `capacity` verifications are waiting or running, the next is refused at once and
/// the caller answers 503 with `Retry-After`.
///
/// ```swift
/// let pool = PasswordHashPool()                               // half the cores, 16 admitted at once
/// let ok = try await pool.verify("secret", hash: "$2b$12$…")   // throws PasswordHashPool.Busy
/// ```
public final class PasswordHashPool: Sendable {
    /// Every slot is taken: the verification was not started.
    public struct Busy: Error, Sendable {}

    public let threads: Int
    /// Verifications admitted at once, running or queued.
    public let capacity: Int
    private let pool: NIOThreadPool
    private let started = Mutex(false)
    private let admitted = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)

    /// Half the cores, at most 4: the other half keeps serving while guesses are being hashed.
    public static let defaultThreads = max(1, min(4, System.coreCount / 2))

    public init(threads: Int = PasswordHashPool.defaultThreads, capacity: Int = 16) {
        precondition(threads >= 1 && capacity >= threads, "a pool needs threads and room for them")
        self.threads = threads
        self.capacity = capacity
        pool = NIOThreadPool(numberOfThreads: threads)
    }

    /// Whether `password` matches the bcrypt `hash`, computed on the pool's threads.
    public func verify(_ password: String, hash: String) async throws(Busy) -> Bool {
        guard admitted.add(1, ordering: .acquiringAndReleasing).newValue <= capacity else {
            admitted.subtract(1, ordering: .relaxed)
            refusedCount.add(1, ordering: .relaxed)
            throw Busy()
        }
        defer { admitted.subtract(1, ordering: .relaxed) }
        startIfNeeded()
        do {
            return try await pool.runIfActive { Bcrypt.verify(password, hash: hash) }
        } catch {
            // Only a pool shut down (the receiver stopping) or a cancelled request ends up here.
            throw Busy()
        }
    }

    /// Verifications running or queued now.
    public var inFlight: Int { admitted.load(ordering: .relaxed) }

    /// Verifications refused because the pool was full, since start.
    public var refusals: Int { refusedCount.load(ordering: .relaxed) }

    /// Stops the threads once queued work is done; later verifications are refused.
    public func shutdown() async {
        let wasStarted = started.withLock { value in
            defer { value = true }
            return value
        }
        if wasStarted { try? await pool.shutdownGracefully() }
    }

    /// Threads start on the first bcrypt user, so receivers with plain passwords never spawn them.
    private func startIfNeeded() {
        started.withLock { value in
            if !value {
                pool.start()
                value = true
            }
        }
    }
}
