import FathomShared
import HummingbirdBcrypt
import Logging
import Synchronization

/// Decides whether an upload's Basic credentials are valid, and for which clusters, without letting
/// the check be turned against the server.
///
/// Plain passwords are compared in constant time. Bcrypt hashes are verified on a small bounded
/// `PasswordHashPool` (never on an event loop) once per distinct (user, password, hash), and the
/// result cached, so a fleet of thousands of nodes uploading every few minutes does not spend the
/// receiver's CPU on bcrypt. A credential already verified passes at once, whatever the throttle
/// says; anything else first asks the `LoginThrottle`, and each failure is counted against the
/// address and the user. `reload()` swaps the whole table atomically (SIGHUP), so uploads in flight
/// keep the table they started with.
///
/// ```swift
/// let auth = try UploadAuthenticator(credentialsPath: "/etc/fathom/credentials")
/// let outcome = await auth.authenticate(user: "fox", password: "pw", address: "192.0.2.7")
/// ```
public final class UploadAuthenticator: Sendable {
    private struct State {
        var credentials: [String: Credential]
        /// SHA-256 of user, password and secret for each credential proven right, never the password.
        var verified: Set<[UInt8]> = []
    }

    public let credentialsPath: String
    public let throttle: LoginThrottle
    public let hashPool: PasswordHashPool
    private let state: Mutex<State>
    private static let cacheLimit = 100_000

    public init(
        credentialsPath: String, throttle: LoginThrottle = .init(limits: .init()), hashPool: PasswordHashPool = .init()
    ) throws {
        self.credentialsPath = credentialsPath
        self.throttle = throttle
        self.hashPool = hashPool
        state = Mutex(State(credentials: try Self.load(credentialsPath)))
    }

    /// For tests and embedding: credentials given directly.
    public init(
        credentials: [String: Credential], throttle: LoginThrottle = .init(limits: .init()),
        hashPool: PasswordHashPool = .init()
    ) {
        credentialsPath = ""
        self.throttle = throttle
        self.hashPool = hashPool
        state = Mutex(State(credentials: credentials))
    }

    /// Re-reads the credentials file. On error the old table stays in force.
    public func reload() throws {
        guard !credentialsPath.isEmpty else { return }
        let fresh = try Self.load(credentialsPath)
        state.withLock { $0 = State(credentials: fresh) }
    }

    public var userCount: Int { state.withLock { $0.credentials.count } }

    /// The whole login decision for one request from `address` (nil when unknown). A rejection is
    /// answered after the throttle's failure delay.
    public func authenticate(user: String, password: String, address: String?) async -> LoginOutcome {
        let credential = state.withLock { $0.credentials[user] }
        let key = credential.map { Self.cacheKey(user, password, $0.secret) }
        if let credential, let key, state.withLock({ $0.verified.contains(key) }) { return .accepted(credential) }
        if case .refused(let seconds) = throttle.check(address: address, user: credential?.user) {
            return .throttled(retryAfterSeconds: seconds)
        }
        var matches = false
        if let credential, let key {
            if credential.isBcryptHash {
                do {
                    matches = try await hashPool.verify(password, hash: credential.secret)
                } catch {
                    return .busy(retryAfterSeconds: 1)
                }
            } else {
                matches = constantTimeEquals(password, credential.secret)
            }
            if matches {
                remember(key, user: user, secret: credential.secret)
                return .accepted(credential)
            }
        } else {
            // Spend comparable time on unknown users as on known plain ones.
            _ = constantTimeEquals(password, "unknown-user-placeholder")
        }
        throttle.recordFailure(address: address, user: credential?.user)
        try? await Task.sleep(for: throttle.limits.failureDelay)
        return .rejected
    }

    /// Blocking check without throttle or pool, for offline tools and tests only: it runs bcrypt on
    /// the calling thread, so request handlers use `authenticate`.
    public func verify(user: String, password: String) -> Credential? {
        guard let credential = state.withLock({ $0.credentials[user] }) else {
            _ = constantTimeEquals(password, "unknown-user-placeholder")
            return nil
        }
        if !credential.isBcryptHash {
            return constantTimeEquals(password, credential.secret) ? credential : nil
        }
        let key = Self.cacheKey(user, password, credential.secret)
        if state.withLock({ $0.verified.contains(key) }) { return credential }
        guard Bcrypt.verify(password, hash: credential.secret) else { return nil }
        remember(key, user: user, secret: credential.secret)
        return credential
    }

    private func remember(_ key: [UInt8], user: String, secret: String) {
        state.withLock {
            if $0.verified.count >= Self.cacheLimit { $0.verified.removeAll() }
            // Only cache if the table was not reloaded meanwhile with another secret.
            if $0.credentials[user]?.secret == secret { $0.verified.insert(key) }
        }
    }

    private static func cacheKey(_ user: String, _ password: String, _ secret: String) -> [UInt8] {
        SHA256Digest.digest(Array((user + "\u{0}" + password + "\u{0}" + secret).utf8))
    }

    private static func load(_ path: String) throws -> [String: Credential] {
        guard let text = try PosixFile.readText(path) else {
            throw StorageError(errno: ENOENT, operation: "open credentials", path: path)
        }
        return try CredentialsFile.parse(text)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
