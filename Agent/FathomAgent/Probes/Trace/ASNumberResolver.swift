import Glibc

/// Origin ASes for hop addresses (pScheduler `as`), looked up after the trace from a DNS origin
/// service in Team Cymru's format, all at once, with one deadline for the lot (as
/// `ReverseNameResolver`).
///
/// For a global address, TXT `d.c.b.a.origin.asn.cymru.com` (IPv6: 32 reversed nibbles under
/// `origin6.asn.cymru.com`) gives `"15169 | 8.8.8.0/24 | US | arin | 2023-12-28"`: the first
/// ASN of the first field is the number. TXT `AS15169.asn.cymru.com` gives
/// `"15169 | US | arin | 2000-03-30 | GOOGLE - Google LLC, US"`: the last field is the owner.
/// A private, loopback, link-local, shared (100.64/10), multicast or documentation address is
/// never asked about; an address without an answer gets no AS, one whose owner query failed an
/// AS without owner (pScheduler's `psas.py`).
///
/// ```swift
/// let origins = ASNumberResolver().origins(for: ["8.8.8.8"])
/// origins["8.8.8.8"]   // ASNumber(number: 15169, owner: "GOOGLE - Google LLC, US")
/// ```
public struct ASNumberResolver: Sendable {
    /// pScheduler reserves 4 s of a trace's run time for its AS lookups (2 s per query, two queries).
    public static let defaultDeadline: Duration = .seconds(4)

    /// Where the origin service lives: zone names and the name server asked.
    public struct Service: Sendable, Equatable {
        public var originZone: String
        public var origin6Zone: String
        public var asnZone: String
        /// nil: the first `nameserver` of `/etc/resolv.conf`.
        public var server: IPSocketAddress?
        /// Each query's own bound.
        public var queryTimeout: Duration
        /// Ask about every address, private and loopback ones too: for an origin service that
        /// maps a private network (and for tests, whose paths are private). Off: global only.
        public var anyAddress: Bool

        public init(
            originZone: String = "origin.asn.cymru.com", origin6Zone: String = "origin6.asn.cymru.com",
            asnZone: String = "asn.cymru.com", server: IPSocketAddress? = nil, queryTimeout: Duration = .seconds(2),
            anyAddress: Bool = false
        ) {
            self.originZone = originZone
            self.origin6Zone = origin6Zone
            self.asnZone = asnZone
            self.server = server
            self.queryTimeout = queryTimeout
            self.anyAddress = anyAddress
        }
    }

    /// The longest `origins(for:)` waits in all.
    public var deadline: Duration
    /// One address to its origin, or nil; blocking is fine (it runs on its own thread).
    let lookup: @Sendable (String) -> ASNumber?
    /// Whether an address is worth a lookup at all: one that is not gets no thread.
    let asks: @Sendable (String) -> Bool

    public init(
        deadline: Duration = defaultDeadline, asks: @escaping @Sendable (String) -> Bool = { _ in true },
        lookup: @escaping @Sendable (String) -> ASNumber?
    ) {
        self.deadline = deadline
        self.asks = asks
        self.lookup = lookup
    }

    /// Lookups through `service` over DNS; addresses it is never asked about (private ones,
    /// unless `anyAddress`) start no lookup.
    public init(service: Service = Service(), deadline: Duration = defaultDeadline) {
        self.init(
            deadline: deadline, asks: { Self.originName($0, service: service) != nil },
            lookup: { Self.lookup($0, service: service) })
    }

    /// Origins for `addresses` (duplicates looked up once) that answered within the deadline.
    public func origins(for addresses: [String]) -> [String: ASNumber] {
        start(addresses)?.collect() ?? [:]
    }

    /// Starts the lookups; `collect()` on the result waits for them (so other lookups can run
    /// meanwhile). Nil when no address is worth asking about: nothing to start or wait for.
    func start(_ addresses: [String]) -> ParallelLookup<ASNumber>? {
        let asked = addresses.filter(asks)
        return asked.isEmpty ? nil : ParallelLookup.start(asked, lookup: lookup, deadline: deadline)
    }

    /// One address through the service: origin query, then owner query.
    public static func lookup(_ address: String, service: Service) -> ASNumber? {
        guard let name = originName(address, service: service),
            let server = service.server ?? DNSTXTClient.systemServer()
        else { return nil }
        let client = DNSTXTClient(server: server, timeout: service.queryTimeout)
        guard let origin = client.query(name), let number = firstASN(origin) else { return nil }
        let owner = client.query("AS\(number).\(service.asnZone)").flatMap(lastField)
        return ASNumber(number: number, owner: owner)
    }

    /// The origin query name for a global address (any address with `service.anyAddress`); nil
    /// for any other, or an unparsable one.
    public static func originName(_ address: String, service: Service) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            let octets = withUnsafeBytes(of: v4) { Array($0) }
            guard service.anyAddress || isGlobal(v4: octets) else { return nil }
            return octets.reversed().map(String.init).joined(separator: ".") + "." + service.originZone
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        guard service.anyAddress || isGlobal(v6: bytes) else { return nil }
        let nibbles = bytes.flatMap { [$0 >> 4, $0 & 0x0f] }.reversed().map { String($0, radix: 16) }
        return nibbles.joined(separator: ".") + "." + service.origin6Zone
    }

    /// Not private (RFC 1918), shared (RFC 6598), loopback, link-local, "this network",
    /// IETF-reserved, benchmarking, documentation, multicast or reserved.
    static func isGlobal(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _), (224..., _, _): false
        case (100, 64...127, _), (169, 254, _), (172, 16...31, _), (192, 168, _), (198, 18...19, _): false
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): false
        default: true
        }
    }

    /// Global unicast (2000::/3) outside documentation (2001:db8::/32).
    static func isGlobal(v6 b: [UInt8]) -> Bool {
        b[0] & 0xe0 == 0x20 && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
    }

    /// `"7018 2386 | 12.0.0.0/9 | …"` → 7018: the first token of the first field.
    static func firstASN(_ text: String) -> Int? {
        guard let field = text.split(separator: "|").first else { return nil }
        return field.split(separator: " ").first.flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The last `|` field, trimmed; nil when empty.
    static func lastField(_ text: String) -> String? {
        guard let field = text.split(separator: "|", omittingEmptySubsequences: false).last else { return nil }
        let trimmed = field.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}
