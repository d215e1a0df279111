import FathomShared
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Who may write to the archive: `Authorization: Token <key>` checked against a keys file of
/// `user:key` lines (plain or bcrypt, the receiver's credentials-file syntax).
///
/// ```swift
/// let keys = try ArchiveAPIKeys(path: "/etc/fathom/api-keys")
/// keys.check(authorization: "Token 35dfc21e…")  // .user("pscheduler")
/// ```
public final class ArchiveAPIKeys: Sendable {
    /// The outcome of reading an `Authorization` header, with esmond's (DRF's) 401 texts.
    public enum Verdict: Sendable, Equatable {
        case user(String)
        /// No usable credentials: reads go on anonymously, writes get 401.
        case anonymous
        /// Credentials given but wrong: 401 even on reads, as DRF does.
        case invalid(String)
    }

    private let path: String?
    private let entries: Mutex<[Credential]>
    /// bcrypt is slow on purpose; remember keys already proven so each request does not pay it.
    private let verified = Mutex<[String: String]>([:])
    /// When the file was last looked at, and its modification stamp then.
    private let watched = Mutex<(checkedAt: Double, stamp: String?)>((0, nil))

    public init(path: String?) throws {
        self.path = path
        entries = Mutex(try Self.load(path))
        watched.withLock { $0 = (Date().timeIntervalSince1970, Self.stamp(path)) }
    }

    public init(credentials: [Credential]) {
        path = nil
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

    public func check(authorization: String?) -> Verdict {
        reloadIfChanged()
        guard let header = authorization else { return .anonymous }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard let keyword = parts.first?.lowercased(), keyword == "token" || keyword == "apikey" else {
            return .anonymous
        }
        guard parts.count > 1 else { return .invalid("Invalid token header. No credentials provided.") }
        guard parts.count == 2 else { return .invalid("Invalid token header. Token string should not contain spaces.") }
        var key = String(parts[1])
        // esmond-client ≤ 1.6 sent the tastypie form `ApiKey user:key`; the secret is the same.
        if keyword == "apikey", let colon = key.firstIndex(of: ":") { key = String(key[key.index(after: colon)...]) }
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

    static func load(_ path: String?) throws -> [Credential] {
        guard let path else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Array(try CredentialsFile.parse(text).values)
    }
}
