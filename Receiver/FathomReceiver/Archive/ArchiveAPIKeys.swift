import FathomShared
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Who may write to the archive: `Authorization: Token <key>` checked against a keys file of
/// `user:key` lines (plain or bcrypt, the receiver's credentials-file syntax). Request handlers use
/// `verdict`, which verifies bcrypt keys on the `PasswordHashPool` and counts wrong keys in the
/// `LoginThrottle` (both shared with the upload logins when the server wires them in).
///
/// ```swift
/// let keys = try ArchiveAPIKeys(path: "/etc/fathom/api-keys")
/// await keys.verdict(authorization: "Token 35dfc21e…", address: "192.0.2.7")  // .user("pscheduler")
/// ```
public final class ArchiveAPIKeys: Sendable {
    /// The outcome of reading an `Authorization` header, with esmond's (DRF's) 401 texts.
    public enum Verdict: Sendable, Equatable {
        case user(String)
        /// No usable credentials: reads go on anonymously, writes get 401.
        case anonymous
        /// Credentials given but wrong: 401 even on reads, as DRF does.
        case invalid(String)
        /// Too many wrong keys from this address lately: 429 with `Retry-After`, key not looked at.
        case throttled(retryAfterSeconds: Int)
        /// The password-hash pool is full: 503 with `Retry-After`.
        case busy(retryAfterSeconds: Int)
    }

    /// Counts wrong keys per address (keys name no user).
    public let throttle: LoginThrottle
    /// Where bcrypt keys are verified, off the event loops.
    public let hashPool: PasswordHashPool

    private let path: String?
    private let entries: Mutex<[Credential]>
    /// bcrypt is slow on purpose; remember keys already proven so each request does not pay it.
    private let verified = Mutex<[String: String]>([:])
    /// When the file was last looked at, and its modification stamp then.
    private let watched = Mutex<(checkedAt: Double, stamp: String?)>((0, nil))

    public init(
        path: String?, throttle: LoginThrottle = .init(limits: .init()), hashPool: PasswordHashPool = .init()
    ) throws {
        self.path = path
        self.throttle = throttle
        self.hashPool = hashPool
        entries = Mutex(try Self.load(path))
        watched.withLock { $0 = (Date().timeIntervalSince1970, Self.stamp(path)) }
    }

    public init(
        credentials: [Credential], throttle: LoginThrottle = .init(limits: .init()),
        hashPool: PasswordHashPool = .init()
    ) {
        path = nil
        self.throttle = throttle
        self.hashPool = hashPool
        entries = Mutex(credentials)
    }

    /// Re-reads the keys file (on SIGHUP); a broken file leaves the old keys in place.
    public func reload() throws {
        let fresh = try Self.load(path)
        entries.withLock { $0 = fresh }
        verified.withLock { $0 = [:] }
    }

    /// Re-reads the file when it changed, looking at most once a second: the receiver's SIGHUP
    /// handler lives in `ReceiverRuntime`, so an edited keys file must take effect without it.
    func reloadIfChanged() {
        guard let path else { return }
        let now = Date().timeIntervalSince1970
        let due = watched.withLock { state -> Bool in
            guard now - state.checkedAt >= 1 else { return false }
            state.checkedAt = now
            return true
        }
        guard due else { return }
        let stamp = Self.stamp(path)
        guard stamp != watched.withLock({ $0.stamp }) else { return }
        // A broken file keeps the old keys; the stamp is kept too, so it is not re-parsed each second.
        try? reload()
        watched.withLock { $0.stamp = stamp }
    }

    static func stamp(_ path: String?) -> String? {
        guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(modified)/\(attributes[.size] ?? 0)/\(attributes[.systemFileNumber] ?? 0)"
    }

    /// The decision for a request from `address`: a key verified before passes at once; otherwise
    /// the throttle is asked first, and a wrong key is counted against the address.
    public func verdict(authorization: String?, address: String?) async -> Verdict {
        reloadIfChanged()
        let key: String
        switch Self.presentedKey(authorization) {
        case .decided(let verdict): return verdict
        case .key(let presented): key = presented
        }
        if let user = verified.withLock({ $0[key] }) { return .user(user) }
        if case .refused(let seconds) = throttle.check(address: address, user: nil) {
            return .throttled(retryAfterSeconds: seconds)
        }
        for entry in entries.withLock({ $0 }) {
            var matches = false
            if entry.isBcryptHash {
                do {
                    matches = try await hashPool.verify(key, hash: entry.secret)
                } catch {
                    return .busy(retryAfterSeconds: 1)
                }
            } else {
                matches = constantTimeEquals(entry.secret, key)
            }
            if matches {
                verified.withLock { $0[key] = entry.user }
                return .user(entry.user)
            }
        }
        throttle.recordFailure(address: address, user: nil)
        return .invalid("Invalid token.")
    }

    /// Blocking check without throttle or pool (bcrypt on the calling thread), for tools and tests;
    /// request handlers use `verdict`.
    public func check(authorization: String?) -> Verdict {
        reloadIfChanged()
        let key: String
        switch Self.presentedKey(authorization) {
        case .decided(let verdict): return verdict
        case .key(let presented): key = presented
        }
        if let user = verified.withLock({ $0[key] }) { return .user(user) }
        for entry in entries.withLock({ $0 }) {
            let matches = entry.isBcryptHash ? Bcrypt.verify(key, hash: entry.secret) : entry.secret == key
            if matches {
                verified.withLock { $0[key] = entry.user }
                return .user(entry.user)
            }
        }
        return .invalid("Invalid token.")
    }

    private enum PresentedKey {
        case decided(Verdict)
        case key(String)
    }

    /// The key in an `Authorization` header, or the verdict when there is none to check.
    private static func presentedKey(_ authorization: String?) -> PresentedKey {
        guard let header = authorization else { return .decided(.anonymous) }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard let keyword = parts.first?.lowercased(), keyword == "token" || keyword == "apikey" else {
            return .decided(.anonymous)
        }
        guard parts.count > 1 else { return .decided(.invalid("Invalid token header. No credentials provided.")) }
        guard parts.count == 2 else {
            return .decided(.invalid("Invalid token header. Token string should not contain spaces."))
        }
        var key = String(parts[1])
        // esmond-client ≤ 1.6 sent the tastypie form `ApiKey user:key`; the secret is the same.
        if keyword == "apikey", let colon = key.firstIndex(of: ":") { key = String(key[key.index(after: colon)...]) }
        return .key(key)
    }

    static func load(_ path: String?) throws -> [Credential] {
        guard let path else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Array(try CredentialsFile.parse(text).values)
    }
}
