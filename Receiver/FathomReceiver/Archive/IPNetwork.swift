#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `2001:db8::/32`, or one address), for
/// the archive's write allow-list (esmond's `add_user_ip_address`).
///
/// ```swift
/// IPNetwork("10.0.0.0/8")!.contains(address: "10.1.2.3")  // true
/// ```
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = Self.addressBytes(first) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
        guard let length, length >= 0, length <= address.count * 8 else { return nil }
        bytes = address
        prefixLength = length
    }

    public var description: String {
        "\(IPAddressText.canonical(bytesText) ?? "?")/\(prefixLength)"
    }

    private var bytesText: String {
        bytes.count == 4
            ? bytes.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
    }

    /// Whether `address` (text, IPv4-mapped IPv6 counted as IPv4) lies in this network.
    public func contains(address: String) -> Bool {
        guard let other = Self.addressBytes(address), other.count == bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(bytes, other) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// 4 or 16 bytes; `::ffff:a.b.c.d` becomes the IPv4 address it carries.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        if raw[0..<10].allSatisfy({ $0 == 0 }) && raw[10] == 0xFF && raw[11] == 0xFF { return Array(raw[12...]) }
        return raw
    }
}

/// Which peers may write without a token: addresses in `writers`; `X-Forwarded-For` is believed
/// only from `trustedProxies`, since esmond trusting it from anyone made IP auth spoofable.
public struct ArchiveWriterNetworks: Sendable, Equatable {
    public var writers: [IPNetwork]
    public var trustedProxies: [IPNetwork]

    public init(writers: [IPNetwork] = [], trustedProxies: [IPNetwork] = []) {
        self.writers = writers
        self.trustedProxies = trustedProxies
    }

    /// The client address to judge: the peer, or, behind a trusted proxy, the last address the
    /// proxy appended to `X-Forwarded-For` (earlier entries are whatever the client claimed).
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer else { return nil }
        guard let forwardedFor, trustedProxies.contains(where: { $0.contains(address: peer) }),
            let last = forwardedFor.split(separator: ",").last
        else { return peer }
        return last.trimmingCharacters(in: " \t")
    }

    public func mayWrite(peer: String?, forwardedFor: String?) -> Bool {
        guard !writers.isEmpty, let client = clientAddress(peer: peer, forwardedFor: forwardedFor) else { return false }
        return writers.contains { $0.contains(address: client) }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
