import FathomShared
import HummingbirdBcrypt
import Synchronization
import Testing

@testable import FathomReceiver

/// The throttle's leaky buckets on a hand-driven clock, and the order of checks in the upload
/// authenticator and the archive's token check: a verified credential first, then the throttle,
/// then the (pooled) password check.
@Suite struct LoginThrottleBucketTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(_ d: Duration) { instant.withLock { $0 += d } }
    }

    static func limits(address: Int, user: Int, forgive: Duration = .seconds(10)) -> LoginThrottle.Limits {
        var limits = LoginThrottle.Limits()
        limits.failuresPerAddress = address
        limits.failuresPerUser = user
        limits.forgiveAfter = forgive
        limits.failureDelay = .zero
        return limits
    }

    @Test func addressIsRefusedAfterItsLimitAndForgivenAsTimePasses() {
        let clock = ManualClock()
        let throttle = LoginThrottle(limits: Self.limits(address: 3, user: 100), now: { clock.now })
        for _ in 0..<3 {
            #expect(throttle.check(address: "192.0.2.1", user: "fox") == .allowed)
            throttle.recordFailure(address: "192.0.2.1", user: "fox")
        }
        // Bucket at 3 with limit 3: one failure must drain (10 s) before the next try.
        #expect(throttle.check(address: "192.0.2.1", user: "fox") == .refused(retryAfterSeconds: 10))
        #expect(throttle.check(address: "192.0.2.2", user: "fox") == .allowed, "other addresses are not affected")
        clock.advance(.seconds(4))
        #expect(throttle.check(address: "192.0.2.1", user: "fox") == .refused(retryAfterSeconds: 6))
        clock.advance(.seconds(6))
        #expect(throttle.check(address: "192.0.2.1", user: "fox") == .allowed)
        #expect(throttle.counts == LoginThrottle.Counts(failures: 3, refusals: 2))
    }

    @Test func userIsRefusedAfterFailuresFromManyAddresses() {
        let clock = ManualClock()
        let throttle = LoginThrottle(limits: Self.limits(address: 100, user: 4), now: { clock.now })
        for i in 0..<4 { throttle.recordFailure(address: "198.51.100.\(i)", user: "saga") }
        #expect(throttle.check(address: "198.51.100.99", user: "saga") == .refused(retryAfterSeconds: 10))
        #expect(throttle.check(address: "198.51.100.99", user: "fox") == .allowed)
        // Unknown user names (nil) share no bucket with anyone.
        #expect(throttle.check(address: "198.51.100.99", user: nil) == .allowed)
    }

    @Test func tablesStayBoundedWhateverTheNumberOfAddresses() {
        let clock = ManualClock()
        let throttle = LoginThrottle(limits: Self.limits(address: 5, user: 5), now: { clock.now })
        for i in 0..<(LoginThrottle.maxTrackedKeys + 10) { throttle.recordFailure(address: "a\(i)", user: nil) }
        // Still answers (and the newest address is tracked).
        #expect(throttle.check(address: "a\(LoginThrottle.maxTrackedKeys + 9)", user: nil) == .allowed)
        #expect(throttle.counts.failures == LoginThrottle.maxTrackedKeys + 10)
    }

    @Test(.timeLimit(.minutes(1)))
    func verifiedCredentialPassesWhileItsAddressAndUserAreThrottled() async {
        // The clock stands still: on a loaded machine the real one let a failure drain (10 s)
        // between the second wrong password and the third.
        let clock = ManualClock()
        let throttle = LoginThrottle(limits: Self.limits(address: 2, user: 2), now: { clock.now })
        let auth = UploadAuthenticator(
            credentials: [
                "saga": Credential(user: "saga", secret: Bcrypt.hash("right", cost: 4)),
                "fox": Credential(user: "fox", secret: "plain"),
            ], throttle: throttle)
        #expect(
            await auth.authenticate(user: "saga", password: "right", address: "a")
                == .accepted(
                    Credential(user: "saga", secret: auth.verify(user: "saga", password: "right")!.secret)))
        #expect(await auth.authenticate(user: "saga", password: "x", address: "a") == .rejected)
        #expect(await auth.authenticate(user: "saga", password: "y", address: "a") == .rejected)
        guard case .throttled = await auth.authenticate(user: "saga", password: "z", address: "a") else {
            Issue.record("third wrong password must be throttled")
            return
        }
        guard case .accepted = await auth.authenticate(user: "saga", password: "right", address: "a") else {
            Issue.record("the verified credential must not be throttled")
            return
        }
        // Plain passwords are limited too: fox (never verified) from the throttled address waits.
        guard case .throttled = await auth.authenticate(user: "fox", password: "plain", address: "a") else {
            Issue.record("an unverified plain credential from a throttled address must wait")
            return
        }
        guard case .accepted = await auth.authenticate(user: "fox", password: "plain", address: "b") else {
            Issue.record("another address is not throttled")
            return
        }
        await auth.hashPool.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongArchiveTokensAreThrottledPerAddressWhileAVerifiedTokenPasses() async {
        let clock = ManualClock()
        let keys = ArchiveAPIKeys(
            credentials: [Credential(user: "pscheduler", secret: Bcrypt.hash("good-token", cost: 4))],
            throttle: LoginThrottle(limits: Self.limits(address: 2, user: 100), now: { clock.now }))
        #expect(await keys.verdict(authorization: "Token good-token", address: "a") == .user("pscheduler"))
        #expect(await keys.verdict(authorization: "Token bad-1", address: "a") == .invalid("Invalid token."))
        #expect(await keys.verdict(authorization: "Token bad-2", address: "a") == .invalid("Invalid token."))
        guard case .throttled = await keys.verdict(authorization: "Token bad-3", address: "a") else {
            Issue.record("the third wrong token from one address must be throttled")
            return
        }
        #expect(await keys.verdict(authorization: "Token good-token", address: "a") == .user("pscheduler"))
        #expect(await keys.verdict(authorization: nil, address: "a") == .anonymous, "anonymous reads stay open")
        #expect(await keys.verdict(authorization: "Token bad-4", address: "b") == .invalid("Invalid token."))
        await keys.hashPool.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func fullHashPoolRefusesInsteadOfQueueing() async throws {
        let pool = PasswordHashPool(threads: 1, capacity: 1)
        let slow = Bcrypt.hash("pw", cost: 14)  // long enough to be still running below
        let first = Task { try await pool.verify("pw", hash: slow) }
        while pool.inFlight == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: PasswordHashPool.Busy.self) { try await pool.verify("pw", hash: slow) }
        #expect(try await first.value)
        #expect(pool.refusals == 1)
        #expect(try await pool.verify("pw", hash: Bcrypt.hash("pw", cost: 4)), "room again once the first is done")
        await pool.shutdown()
    }
}
