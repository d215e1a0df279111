import FathomShared

/// One entry of pScheduler's rtt `roundtrips`: a reply (`seq`, `length`, `ip`, `ttl`, `rtt`) or
/// an ICMP error about a request (`seq`, `ip`, `error`).
///
/// `error` is left out, rather than null, when the ICMP error has no name in pScheduler's
/// `icmp-error` enum (time exceeded), so the entry stays valid against the result schema.
///
/// ```swift
/// let reply = RTTRoundtrip(seq: 1, length: 64, ip: "10.0.1.25", ttl: 64, rtt: .microseconds(333))
/// reply.json   // {"ip":"10.0.1.25","length":64,"rtt":"PT0.000333S","seq":1,"ttl":64}
/// ```
public struct RTTRoundtrip: Sendable, Equatable {
    /// ICMP sequence number, from 1 as ping prints it.
    public var seq: Int
    /// Bytes received: ICMP header plus data (64 for ping's default 56).
    public var length: Int?
    /// The address the reply or error came from.
    public var ip: String?
    /// TTL / hop limit of the reply.
    public var ttl: Int?
    /// Round-trip time as an ISO 8601 duration (`PT0.000333S`).
    public var rtt: String?
    /// pScheduler `icmp-error` name of an ICMP error.
    public var error: String?

    public init(
        seq: Int, length: Int? = nil, ip: String? = nil, ttl: Int? = nil, rtt: Duration? = nil, error: String? = nil
    ) {
        self.seq = seq
        self.length = length
        self.ip = ip
        self.ttl = ttl
        self.rtt = rtt.map(ISODuration.string)
        self.error = error
    }

    /// The RTT in seconds, nil for an error entry.
    public var rttSeconds: Double? { rtt.flatMap(ISODuration.seconds) }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["seq": .integer(Int64(seq))]
        if let length { members["length"] = .integer(Int64(length)) }
        if let ip { members["ip"] = .string(ip) }
        if let ttl { members["ttl"] = .integer(Int64(ttl)) }
        if let rtt { members["rtt"] = .string(rtt) }
        if let error { members["error"] = .string(error) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "rtt roundtrip")
        seq = try fields.optionalInteger("seq") ?? 0
        length = try fields.optionalInteger("length")
        ip = try fields.optionalString("ip")
        ttl = try fields.optionalInteger("ttl")
        rtt = try fields.optionalString("rtt")
        error = try fields.optionalString("error")
    }
}
