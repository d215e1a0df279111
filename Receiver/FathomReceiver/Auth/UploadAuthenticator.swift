import FathomShared
import HummingbirdBcrypt
import Logging
import Synchronization

/// Decides whether an upload's Basic credentials are valid, and for which clusters.
///
/// Plain passwords are compared in constant time. Bcrypt hashes are verified once per distinct
/// (user, password, hash) and the result cached, so a fleet of thousands of nodes uploading every
/// few minutes does not spend the receiver's CPU on bcrypt. `reload()` swaps the whole table
/// atomically (SIGHUP), so uploads in flight keep the table they started with.
///
/// ```swift
/// let auth = try UploadAuthenticator(credentialsPath: "/etc/fathom/credentials")
/// let credential = auth.verify(user: "fox", password: "pw")   // nil when wrong
/// ```
public final class UploadAuthenticator: Sendable {
    private struct State {
        var credentials: [String: Credential]
        var verifiedHashes: Set<String> = []
    }

    public let credentialsPath: String
    private let state: Mutex<State>
    private static let cacheLimit = 100_000

    public init(credentialsPath: String) throws {
        self.credentialsPath = credentialsPath
        state = Mutex(State(credentials: try Self.load(credentialsPath)))
    }

    /// For tests and embedding: credentials given directly.
    public init(credentials: [String: Credential]) {
        credentialsPath = ""
        state = Mutex(State(credentials: credentials))
    }

    /// Re-reads the credentials file. On error the old table stays in force.
    public func reload() throws {
        guard !credentialsPath.isEmpty else { return }
        let fresh = try Self.load(credentialsPath)
        state.withLock { $0 = State(credentials: fresh) }
    }

    public var userCount: Int { state.withLock { $0.credentials.count } }

    public func verify(user: String, password: String) -> Credential? {
        guard let credential = state.withLock({ $0.credentials[user] }) else {
            // Spend comparable time on unknown users as on known ones.
            _ = constantTimeEquals(password, "unknown-user-placeholder")
            return nil
        }
        if !credential.isBcryptHash {
            return constantTimeEquals(password, credential.secret) ? credential : nil
        }
        let cacheKey = user + "\u{0}" + password + "\u{0}" + credential.secret
        if state.withLock({ $0.verifiedHashes.contains(cacheKey) }) { return credential }
        guard Bcrypt.verify(password, hash: credential.secret) else { return nil }
        state.withLock {
            if $0.verifiedHashes.count >= Self.cacheLimit { $0.verifiedHashes.removeAll() }
            // Only cache if the table was not reloaded meanwhile with another secret.
            if $0.credentials[user]?.secret == credential.secret { $0.verifiedHashes.insert(cacheKey) }
        }
        return credential
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
