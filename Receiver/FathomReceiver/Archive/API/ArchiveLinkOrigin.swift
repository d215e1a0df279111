import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `scheme://host[:port][/path]`, the start of every absolute link the archive writes (`url`,
/// `Location`, `metadata-next-page`, the root's `archive`). It comes from the operator, never
/// from the request: a client's `Host` header would otherwise be reflected into links that
/// other clients follow.
///
/// With `public_url` configured that is the origin, as given. Without it, the listen address and
/// scheme: a wildcard address (`0.0.0.0`, `::`) stands for this machine's host name, and a port
/// of 0 is replaced by the bound port once the server runs (``listening(on:)``).
///
/// ```swift
/// let links = try ArchiveLinkOrigin(publicURL: "https://ma.example.org:8443/")
/// links.string  // "https://ma.example.org:8443"
/// ```
public final class ArchiveLinkOrigin: Sendable {
    /// A `public_url` that cannot start a link.
    public struct InvalidURL: Error, CustomStringConvertible {
        public var text: String
        public var description: String {
            "public URL must be http:// or https:// with a host, and no query, fragment or spaces: \(text)"
        }
    }

    private let configured: Bool
    private let scheme: String
    private let host: String
    private let value: Mutex<String>

    public var string: String { value.withLock { $0 } }

    /// The operator's public base URL; a trailing `/` is dropped.
    public init(publicURL: String) throws(InvalidURL) {
        var text = publicURL
        while text.hasSuffix("/") { text.removeLast() }
        let lower = text.lowercased()
        let schemeEnd = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        let rest = text.dropFirst(schemeEnd)
        guard schemeEnd > 0, !rest.isEmpty, !rest.hasPrefix("/"),
            !text.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace || !$0.isASCII })
        else { throw InvalidURL(text: publicURL) }
        configured = true
        scheme = String(lower.prefix(schemeEnd - 3))
        host = ""
        value = Mutex(text)
    }

    /// Links from the listen address, for a receiver without `public_url`.
    public init(scheme: String, listenHost: String, port: Int) {
        configured = false
        self.scheme = scheme
        let wildcard = listenHost.isEmpty || listenHost == "0.0.0.0" || listenHost == "::" || listenHost == "[::]"
        var name = wildcard ? Self.machineName() : listenHost
        if name.contains(":") && !name.hasPrefix("[") { name = "[\(name)]" }
        host = name
        value = Mutex(Self.origin(scheme, name, port))
    }

    /// The bound port, once known: it replaces the configured one unless `public_url` was given.
    public func listening(on port: Int) {
        guard !configured else { return }
        value.withLock { $0 = Self.origin(scheme, host, port) }
    }

    static func origin(_ scheme: String, _ host: String, _ port: Int) -> String {
        let standard = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        return standard ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }

    static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
