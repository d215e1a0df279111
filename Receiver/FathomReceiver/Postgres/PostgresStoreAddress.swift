import FathomShared

/// A `postgresql://` URL taken apart: `postgresql://user[:password]@host[:port]/database`, with
/// `?sslmode=disable|require|verify-full` and `?host=/socket/dir` (a unix socket, as libpq
/// reads it) as the only query parameters. User and password may be percent-encoded.
///
/// ```swift
/// let address = try PostgresStoreAddress("postgresql://fathom@db:5432/fathom?sslmode=require")
/// ```
struct PostgresStoreAddress: Sendable, Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var tlsMode: StoreSettings.TLSMode?
    /// The directory of the server's unix socket; nil connects over TCP.
    var socketDirectory: String?

    /// Where the store is, for logs and errors (never the password).
    var display: String { "postgresql://\(user)@\(socketDirectory ?? host):\(port)/\(database)" }

    init(_ url: String) throws(ConfigError) {
        var rest = Substring(url)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            throw ConfigError("store url must start with postgresql://, found \(url.prefix(64))")
        }
        rest = rest.dropFirst(scheme.count)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw ConfigError("store url needs a user: postgresql://USER@HOST:PORT/DATABASE")
        }
        let userInfo = rest[..<at]
        var hostPort = rest[rest.index(after: at)...]
        if let colon = userInfo.firstIndex(of: ":") {
            user = try Self.decode(userInfo[..<colon])
            password = try Self.decode(userInfo[userInfo.index(after: colon)...])
        } else {
            user = try Self.decode(userInfo)
        }
        port = 5432
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if hostPort.hasPrefix(":") { port = try Self.port(hostPort.dropFirst()) }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = try Self.port(hostPort[hostPort.index(after: colon)...])
        } else {
            host = String(hostPort)
        }
        database = try Self.decode(path)
        for parameter in query.split(separator: "&") {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw ConfigError("store url parameter without a value: \(parameter)") }
            switch pair[0] {
            case "sslmode": tlsMode = try StoreSettings.tlsMode(pair[1])
            case "host": socketDirectory = try Self.decode(Substring(pair[1]))
            default: throw ConfigError("store url parameter '\(pair[0])' is not supported (sslmode, host)")
            }
        }
        guard !user.isEmpty, !database.isEmpty, !host.isEmpty || socketDirectory != nil else {
            throw ConfigError("store url must name user, host and database: postgresql://USER@HOST:PORT/DATABASE")
        }
    }

    private static func port(_ text: Substring) throws(ConfigError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ConfigError("store url port must be 1…65535, found \(text)")
        }
        return port
    }

    /// Percent-decoding, so a password may hold `@`, `:` or `/`.
    private static func decode(_ text: Substring) throws(ConfigError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            else { throw ConfigError("store url has a bad percent escape") }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
