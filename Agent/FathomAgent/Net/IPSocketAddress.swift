import Glibc

/// A resolved IPv4 or IPv6 socket address, kept as the raw `sockaddr` bytes so it can be handed
/// to `connect` with any port. The trace probes, the throughput client and the source-address
/// lookup all use it (named apart from NIOCore's `SocketAddress`, which the receiver and tests see).
///
/// ```swift
/// let dest = try IPSocketAddress.resolve("localhost", family: nil)
/// print(dest.host)   // "127.0.0.1"
/// ```
public struct IPSocketAddress: Sendable, Equatable {
    /// `AF_INET` or `AF_INET6`.
    public let family: Int32
    /// The `sockaddr_in` / `sockaddr_in6` bytes.
    let bytes: [UInt8]

    /// The numeric address (`10.20.1.1`, `fd00:2::2`).
    public var host: String {
        bytes.withUnsafeBytes { IPSocketAddress.numericHost(sockaddr: $0) } ?? "?"
    }

    /// Bytes of IP + UDP header in front of the probe payload.
    public var headerSize: Int { family == AF_INET6 ? 48 : 28 }

    /// The UDP port (network byte order at offset 2 in both `sockaddr_in` and `sockaddr_in6`).
    public var port: UInt16 { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }

    /// The bare address as it sits on the wire: 4 bytes (`sin_addr`) or 16 bytes (`sin6_addr`).
    /// Used to recognise a probe quoted inside an ICMP error.
    var addressBytes: [UInt8] {
        family == AF_INET6 ? Array(bytes[8..<24]) : Array(bytes[4..<8])
    }

    /// The same address with another UDP port.
    public func with(port: UInt16) -> IPSocketAddress {
        var copy = bytes
        // sin_port and sin6_port both sit at offset 2, in network byte order.
        copy[2] = UInt8(port >> 8)
        copy[3] = UInt8(port & 0xff)
        return IPSocketAddress(family: family, bytes: copy)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    /// Resolves `name` with `getaddrinfo`; `family` (4 or 6) forces one address family.
    /// The first address returned wins, as traceroute and tracepath do.
    public static func resolve(_ name: String, family: Int? = nil) throws(TraceError) -> IPSocketAddress {
        var hints = addrinfo()
        hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw .unresolvable(name: name, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            let info = current.pointee
            if info.ai_family == AF_INET || info.ai_family == AF_INET6, let addr = info.ai_addr {
                let raw = UnsafeRawBufferPointer(start: addr, count: Int(info.ai_addrlen))
                return IPSocketAddress(family: info.ai_family, bytes: Array(raw))
            }
            node = info.ai_next
        }
        throw .unresolvable(name: name, reason: "no IPv4 or IPv6 address")
    }

    /// The numeric host of a `sockaddr_in` / `sockaddr_in6` in `raw` (`inet_ntop`'s text); nil
    /// when it holds neither. IPv4 is written here: glibc's `inet_ntop` formats it with
    /// `sprintf`, some 3,000 instructions an address, for every answer of a trace.
    static func numericHost(sockaddr raw: UnsafeRawBufferPointer) -> String? {
        guard raw.count >= 8 else { return nil }
        let family = Int32(raw.loadUnaligned(fromByteOffset: 0, as: sa_family_t.self))
        if family == AF_INET, raw.count >= MemoryLayout<sockaddr_in>.size {
            // sin_addr follows the family and port, in network order.
            return dottedQuad(raw[4], raw[5], raw[6], raw[7])
        }
        guard family == AF_INET6, raw.count >= MemoryLayout<sockaddr_in6>.size else { return nil }
        // sin6_addr follows family, port and flowinfo.
        var addr = raw.loadUnaligned(fromByteOffset: 8, as: in6_addr.self)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count)) != nil else { return nil }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// `a.b.c.d` in decimal, as `inet_ntop` writes an IPv4 address. At most 15 bytes, which a
    /// small string holds in place: no allocation per hop answer.
    static func dottedQuad(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> String {
        String(unsafeUninitializedCapacity: 15) { text in
            var end = decimal(a, into: text, at: 0)
            end = decimal(b, into: text, at: dot(text, at: end))
            end = decimal(c, into: text, at: dot(text, at: end))
            return decimal(d, into: text, at: dot(text, at: end))
        }
    }

    /// Writes "." at `index`; the index after it.
    private static func dot(_ text: UnsafeMutableBufferPointer<UInt8>, at index: Int) -> Int {
        text[index] = UInt8(ascii: ".")
        return index + 1
    }

    /// Writes `octet` in decimal at `index`; the index after it.
    private static func decimal(_ octet: UInt8, into text: UnsafeMutableBufferPointer<UInt8>, at index: Int) -> Int {
        var index = index
        if octet >= 100 {
            text[index] = UInt8(ascii: "0") + octet / 100
            index += 1
        }
        if octet >= 10 {
            text[index] = UInt8(ascii: "0") + octet / 10 % 10
            index += 1
        }
        text[index] = UInt8(ascii: "0") + octet % 10
        return index + 1
    }
}
