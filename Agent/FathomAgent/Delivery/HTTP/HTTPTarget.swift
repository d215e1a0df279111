/// Where one request goes, parsed from its URL: scheme, host (an IPv6 literal without brackets),
/// port and the path with its query. Connections are pooled by ``poolKey``.
///
/// ```swift
/// let target = try HTTPTarget(url: "https://[::1]:8443/sonar/ps?cluster=fox")
/// // target.host == "::1", target.port == 8443, target.pathAndQuery == "/sonar/ps?cluster=fox"
/// ```
struct HTTPTarget: Sendable, Equatable {
    let secure: Bool
    let host: String
    let port: UInt16
    let pathAndQuery: String

    init(url: String) throws(AgentHTTPError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else {
            throw .invalidURL(url)
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        pathAndQuery = path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path)
        guard !authority.isEmpty, !authority.contains("@") else { throw .invalidURL(url) }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL(url) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
            throw .invalidURL(url)
        }
        if let portText {
            guard let parsed = UInt16(portText), parsed > 0 else { throw .invalidURL(url) }
            port = parsed
        } else {
            port = secure ? 443 : 80
        }
    }

    /// True when the host is a numeric IPv4 or IPv6 address (no SNI; the certificate must name the IP).
    var hostIsIPAddress: Bool {
        host.contains(":") || host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
    }

    /// `host:port` as people write it, brackets around an IPv6 literal.
    var endpoint: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The `Host` header: the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    var poolKey: String { (secure ? "https://" : "http://") + endpoint }
}
