import Glibc

/// Reverse names for hop addresses (pScheduler `hostnames`), looked up after the trace so DNS
/// never inflates an RTT, all at once, with one deadline for the lot.
///
/// Every distinct address gets its own detached thread calling `getnameinfo(NI_NAMEREQD)`
/// (`/etc/hosts`, then DNS, as nsswitch says). `names(for:)` returns when all have answered or
/// the deadline has passed, whichever is first; a lookup still running then is left to finish on
/// its own and its address simply has no name. An address without a name (no PTR) is left out.
/// Names are returned as `getnameinfo` gives them, without a trailing dot.
///
/// ```swift
/// let names = ReverseNameResolver().names(for: ["127.0.0.1", "192.0.2.1"])
/// names["127.0.0.1"]   // "localhost"
/// ```
public struct ReverseNameResolver: Sendable {
    /// pScheduler reserves 2 s of a trace's run time for its hostname lookups.
    public static let defaultDeadline: Duration = .seconds(2)

    /// The longest `names(for:)` waits in all.
    public var deadline: Duration
    /// One address to its name, or nil; blocking is fine (it runs on its own thread).
    let lookup: @Sendable (String) -> String?

    public init(
        deadline: Duration = defaultDeadline,
        lookup: @escaping @Sendable (String) -> String? = ReverseNameResolver.systemLookup
    ) {
        self.deadline = deadline
        self.lookup = lookup
    }

    /// Names for `addresses` (duplicates looked up once) that resolved within the deadline.
    public func names(for addresses: [String]) -> [String: String] {
        ParallelLookup.start(addresses, lookup: lookup, deadline: deadline).collect()
    }

    /// `getnameinfo` with `NI_NAMEREQD` for a numeric IPv4 / IPv6 address; nil when the address
    /// does not parse or has no name.
    public static func systemLookup(_ address: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, nil, &hints, &list) == 0, let first = list, let sockaddr = first.pointee.ai_addr
        else {
            return nil
        }
        defer { freeaddrinfo(list) }
        var host = [CChar](repeating: 0, count: 1025)  // NI_MAXHOST
        let status = getnameinfo(sockaddr, first.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
        guard status == 0 else { return nil }
        let name = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return name.isEmpty ? nil : name
    }
}
