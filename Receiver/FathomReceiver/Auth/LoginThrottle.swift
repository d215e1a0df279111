import Synchronization

/// Limits failed logins per source address and per user, so that guessing passwords (or making the
/// receiver run bcrypt for strangers) costs the guesser time instead of costing everyone else.
///
/// Each address and each user has a leaky bucket: a failure adds one, and one failure is forgiven
/// every `forgiveAfter`. While a bucket holds `failuresPerAddress` (or `failuresPerUser`) or more,
/// attempts are refused with the seconds until it drains below the limit (`Retry-After`), without
/// looking at the password. Successes never count; `UploadAuthenticator` lets a credential it has
/// already verified through without asking the throttle, so an attacker cannot lock the real agent out.
///
/// ```swift
/// let throttle = LoginThrottle(limits: .init())
/// if case .refused(let seconds) = throttle.check(address: "192.0.2.7", user: "fox") { /* 429 */ }
/// throttle.recordFailure(address: "192.0.2.7", user: "fox")
/// ```
public final class LoginThrottle: Sendable {
    /// How many failures are tolerated, and how fast they are forgotten.
    public struct Limits: Sendable, Equatable {
        /// Failures from one address before its attempts are refused (`login_failures_per_address`).
        public var failuresPerAddress: Int = 10
        /// Failures for one user, from anywhere, before attempts for it are refused (`login_failures_per_user`).
        public var failuresPerUser: Int = 30
        /// One failure is forgotten per interval (`login_forgive_seconds`).
        public var forgiveAfter: Duration = .seconds(6)
        /// A failed attempt is answered after this delay, which slows a guesser on one connection.
        public var failureDelay: Duration = .milliseconds(200)

        public init() {}

        public func validationError() -> String? {
            if failuresPerAddress < 1 || failuresPerUser < 1 { return "login failure limits must be at least 1" }
            if forgiveAfter <= .zero { return "login_forgive_seconds must be positive" }
            if failureDelay < .zero { return "the login failure delay cannot be negative" }
            return nil
        }
    }

    /// Whether an attempt may go on to password verification.
    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Too many recent failures; try again after this many seconds.
        case refused(retryAfterSeconds: Int)
    }

    /// Totals since start, for the log and the benchmark.
    public struct Counts: Sendable, Equatable {
        public var failures = 0
        public var refusals = 0
    }

    private struct Bucket {
        var level: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var addresses: [String: Bucket] = [:]
        var users: [String: Bucket] = [:]
        var counts = Counts()
    }

    public let limits: Limits
    private let state = Mutex(State())
    private let now: @Sendable () -> ContinuousClock.Instant
    /// Bounds the tables whatever the number of addresses or user names an attacker brings.
    static let maxTrackedKeys = 65_536

    public init(limits: Limits, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// May this address try a password for this user now? `user` is nil for names not in the
    /// credentials table: they share no bucket with real users, so strangers cannot lock them out.
    public func check(address: String?, user: String?) -> Verdict {
        let instant = now()
        let perSecond = 1 / limits.forgiveAfter.seconds
        return state.withLock { state in
            var wait = 0.0
            if let address, let bucket = state.addresses[address] {
                wait = max(wait, Self.secondsUntilBelow(limits.failuresPerAddress, bucket, instant, perSecond))
            }
            if let user, let bucket = state.users[user] {
                wait = max(wait, Self.secondsUntilBelow(limits.failuresPerUser, bucket, instant, perSecond))
            }
            guard wait > 0 else { return .allowed }
            state.counts.refusals += 1
            // Whole seconds for Retry-After, without float dust turning 6 s into 7.
            return .refused(retryAfterSeconds: max(1, Int((wait - 0.001).rounded(.up))))
        }
    }

    /// Counts one failed attempt against the address and (when known) the user.
    public func recordFailure(address: String?, user: String?) {
        let instant = now()
        let perSecond = 1 / limits.forgiveAfter.seconds
        state.withLock { state in
            state.counts.failures += 1
            if let address { Self.add(to: &state.addresses, address, instant, perSecond) }
            if let user { Self.add(to: &state.users, user, instant, perSecond) }
        }
    }

    public var counts: Counts { state.withLock { $0.counts } }

    private static func drained(_ bucket: Bucket, _ instant: ContinuousClock.Instant, _ perSecond: Double) -> Double {
        max(0, bucket.level - (instant - bucket.updated).seconds * perSecond)
    }

    private static func secondsUntilBelow(
        _ limit: Int, _ bucket: Bucket, _ instant: ContinuousClock.Instant, _ perSecond: Double
    ) -> Double {
        let level = drained(bucket, instant, perSecond)
        let excess = level - Double(limit) + 1
        return excess > 0 ? excess / perSecond : 0
    }

    private static func add(
        to table: inout [String: Bucket], _ key: String, _ instant: ContinuousClock.Instant, _ perSecond: Double
    ) {
        if table.count >= maxTrackedKeys, table[key] == nil {
            // Forget the buckets that have drained; if that frees nothing, start over rather than grow.
            table = table.filter { drained($0.value, instant, perSecond) > 0 }
            if table.count >= maxTrackedKeys { table.removeAll(keepingCapacity: true) }
        }
        let level = table[key].map { drained($0, instant, perSecond) } ?? 0
        table[key] = Bucket(level: level + 1, updated: instant)
    }
}
