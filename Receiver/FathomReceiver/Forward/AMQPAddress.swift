import Foundation

/// Where a RabbitMQ forward connects: `amqp://user@host[:port]/vhost` or `amqps://…` (TLS),
/// as RabbitMQ's URI spec writes them: the vhost is the path without its leading `/`,
/// percent-decoded (`%2f` is the default vhost `/`; an empty path is `/` too), ports default
/// to 5672 and 5671. A password in the URL is accepted, but a `password_file` is what the
/// configuration asks for, so secrets stay out of the config file.
///
/// ```swift
/// let address = try AMQPAddress("amqps://fathom@mq.example.org/psdata")
/// // address.tls == true, address.port == 5671, address.virtualHost == "psdata"
/// ```
public struct AMQPAddress: Sendable, Equatable, CustomStringConvertible {
    public var tls: Bool
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var virtualHost: String

    /// The URL without its password, for logs and `forward-status`.
    public var description: String {
        let vhost = virtualHost == "/" ? "" : Self.percentEncoded(virtualHost)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "amqps" : "amqp")://\(user)@\(shownHost):\(port)/\(vhost)"
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(Invalid) {
        let scheme: Substring
        let rest: Substring
        if let range = text.range(of: "://") {
            scheme = text[..<range.lowerBound]
            rest = text[range.upperBound...]
        } else {
            throw Invalid(description: "not an amqp:// or amqps:// URL: \(text)")
        }
        switch scheme.lowercased() {
        case "amqp": tls = false
        case "amqps": tls = true
        default: throw Invalid(description: "scheme must be amqp or amqps, found \(scheme)")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var hostPart = authority
        user = "guest"
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecoded(userInfo[..<colon])
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                user = try Self.percentDecoded(userInfo)
            }
        }
        var portText: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw Invalid(description: "unclosed [ in \(text)") }
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = String(hostPart[..<colon])
            portText = hostPart[hostPart.index(after: colon)...]
        } else {
            host = String(hostPart)
        }
        guard !host.isEmpty else { throw Invalid(description: "no host in \(text)") }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw Invalid(description: "port must be 1...65535, found \(portText)")
            }
            port = value
        } else {
            port = tls ? 5671 : 5672
        }
        let vhost = path.dropFirst()
        virtualHost = vhost.isEmpty ? "/" : try Self.percentDecoded(vhost)
    }

    static func percentDecoded(_ text: Substring) throws(Invalid) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { throw Invalid(description: "bad percent escape in \(text)") }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
