#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// IP literals in canonical text form, and the DNS lookups esmond's address filters make.
///
/// esmond keeps addresses in PostgreSQL `inet` columns, so `2001:DB8::0:1` and `2001:db8::1` are
/// one address; storing the canonical text keeps exact-match filters right.
enum IPAddressText {
    /// The canonical text of an IPv4 or IPv6 literal, or nil when `text` is not one.
    static func canonical(_ text: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return format(AF_INET, &v4, length: Int(INET_ADDRSTRLEN)) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return format(AF_INET6, &v6, length: Int(INET6_ADDRSTRLEN)) }
        return nil
    }

    /// The addresses a filter value stands for under a `dns-match-rule` (esmond `prepare_ip`),
    /// from the first answer of each family: `only-*` keeps one family, `prefer-*` falls back to
    /// the other, `v4v6` keeps both. The lookups themselves are ``ArchiveHostResolver``'s.
    static func select(v4: String?, v6: String?, rule: String) -> Set<String> {
        switch rule {
        case "only-v4": return Set([v4].compactMap { $0 })
        case "only-v6": return Set([v6].compactMap { $0 })
        case "prefer-v4": return Set([v4 ?? v6].compactMap { $0 })
        case "prefer-v6": return Set([v6 ?? v4].compactMap { $0 })
        default: return Set([v4, v6].compactMap { $0 })
        }
    }

    static let dnsMatchRules: Set<String> = ["v4v6", "only-v4", "only-v6", "prefer-v4", "prefer-v6"]

    /// A blocking `getaddrinfo`: call it only from ``ArchiveHostResolver``'s threads.
    static func lookup(_ host: String, family: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_family = family
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, "80", &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let address = first.pointee.ai_addr else { return nil }
        if family == AF_INET {
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var a = sin.pointee.sin_addr
                return format(AF_INET, &a, length: Int(INET_ADDRSTRLEN))
            }
        }
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
            var a = sin6.pointee.sin6_addr
            return format(AF_INET6, &a, length: Int(INET6_ADDRSTRLEN))
        }
    }

    private static func format(_ family: Int32, _ address: UnsafeRawPointer, length: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: length)
        guard inet_ntop(family, address, &buffer, socklen_t(length)) != nil else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
