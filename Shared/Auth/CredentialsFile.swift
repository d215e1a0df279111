/// One line of a receiver's credentials file: who may upload, with what secret, to which clusters.
public struct Credential: Sendable, Equatable {
    /// Which clusters a credential may upload to.
    public enum ClusterScope: Sendable, Equatable {
        /// Only the cluster whose name equals the user name (the default: one password per cluster).
        case sameNameOnly
        case listed(Set<String>)
        case any
    }

    public var user: String
    /// Plain text, or a bcrypt hash (`$2a$`, `$2b$`, `$2y$`).
    public var secret: String
    public var scope: ClusterScope

    public init(user: String, secret: String, scope: ClusterScope = .sameNameOnly) {
        self.user = user
        self.secret = secret
        self.scope = scope
    }

    public var isBcryptHash: Bool {
        secret.hasPrefix("$2a$") || secret.hasPrefix("$2b$") || secret.hasPrefix("$2y$")
    }

    public func mayUpload(to cluster: String) -> Bool {
        switch scope {
        case .sameNameOnly: return cluster == user
        case .listed(let set): return set.contains(cluster)
        case .any: return true
        }
    }
}

/// A credentials file could not be read.
public struct CredentialsFileError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "credentials line \(line): \(message)" }
}

/// Parses the receiver's credentials file.
///
/// One credential per line: `user:password` (or the older `user/password`), `#` starts a comment
/// line, blank lines are skipped. A trailing ` clusters=a,b` (or `clusters=*`) widens the clusters
/// the credential may upload to; without it a user uploads only to the cluster of its own name.
/// The password may be a bcrypt hash.
///
/// ```swift
/// let creds = try CredentialsFile.parse("fox:s3cret\nadmin:$2b$12$... clusters=*\n")
/// ```
public enum CredentialsFile {
    public static func parse(_ text: String) throws(CredentialsFileError) -> [String: Credential] {
        var result: [String: Credential] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var body = trimmed
            while body.last == " " || body.last == "\t" { body = body.dropLast() }
            var scope = Credential.ClusterScope.sameNameOnly
            if let space = body.lastIndex(where: { $0 == " " || $0 == "\t" }),
                body[body.index(after: space)...].hasPrefix("clusters=")
            {
                let list = body[body.index(after: space)...].dropFirst("clusters=".count)
                if list == "*" {
                    scope = .any
                } else {
                    let names = list.split(separator: ",").map(String.init)
                    if names.isEmpty { throw CredentialsFileError(line: lineNumber, message: "empty clusters= list") }
                    scope = .listed(Set(names))
                }
                body = body[..<space]
                while body.last == " " || body.last == "\t" { body = body.dropLast() }
            }
            let user: Substring
            let secret: Substring
            if let colon = body.firstIndex(of: ":") {
                user = body[..<colon]
                secret = body[body.index(after: colon)...]
            } else {
                let parts = body.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw CredentialsFileError(line: lineNumber, message: "expected user:password")
                }
                user = parts[0]
                secret = parts[1]
            }
            guard !user.isEmpty else { throw CredentialsFileError(line: lineNumber, message: "empty user name") }
            guard !secret.isEmpty else { throw CredentialsFileError(line: lineNumber, message: "empty password") }
            guard result[String(user)] == nil else {
                throw CredentialsFileError(line: lineNumber, message: "duplicate user")
            }
            result[String(user)] = Credential(user: String(user), secret: String(secret), scope: scope)
        }
        return result
    }
}

/// A client's own credential file: a single `user:password` (or `user/password`) pair.
public enum ClientCredential {
    public static func parse(_ text: String) -> (user: String, password: String)? {
        let t = text.trimmingWhitespace()
        if let colon = t.firstIndex(of: ":") {
            let u = String(t[..<colon])
            let p = String(t[t.index(after: colon)...])
            return u.isEmpty || p.isEmpty ? nil : (u, p)
        }
        let parts = t.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String {
        let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var s = Substring(self)
        while let f = s.first, ws(f) { s = s.dropFirst() }
        while let l = s.last, ws(l) { s = s.dropLast() }
        return String(s)
    }
}
