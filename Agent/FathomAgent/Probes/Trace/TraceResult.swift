import FathomShared

/// One hop of a trace, shaped like a hop of pScheduler's trace result.
///
/// Every key is optional: a TTL that did not answer is `{}`. pScheduler has no TTL field, so the
/// hop's position in the path is its TTL (`first-ttl + index`).
///
/// ```swift
/// let hop = TraceHop(ip: "10.20.1.1", rtt: .microseconds(95), mtu: 1500)
/// ```
public struct TraceHop: Sendable, Equatable {
    /// The address that answered (the ICMP error's offender).
    public var ip: String?
    /// Reverse name of `ip`; looked up after the trace so DNS never inflates an RTT.
    public var hostname: String?
    /// Round-trip time of the first answered query (ISO 8601 duration, `PT0.000095S`).
    public var rtt: String?
    /// Origin AS of `ip` (pScheduler `as`); looked up after the trace, like `hostname`.
    public var asNumber: ASNumber?
    /// ICMP unreachable other than "port unreachable from the destination" (`ICMPError` names).
    public var error: String?
    /// Path MTU known when this hop answered; carried onto every later hop once learned.
    public var mtu: Int?

    public init(
        ip: String? = nil, hostname: String? = nil, rtt: Duration? = nil, asNumber: ASNumber? = nil,
        error: String? = nil,
        mtu: Int? = nil
    ) {
        self.ip = ip
        self.hostname = hostname
        self.rtt = rtt.map(ISODuration.string)
        self.asNumber = asNumber
        self.error = error
        self.mtu = mtu
    }

    /// `{}` for a silent TTL; every key only when known.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let ip { members["ip"] = .string(ip) }
        if let hostname { members["hostname"] = .string(hostname) }
        if let rtt { members["rtt"] = .string(rtt) }
        if let asNumber { members["as"] = asNumber.json }
        if let error { members["error"] = .string(error) }
        if let mtu { members["mtu"] = .integer(Int64(mtu)) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "trace hop")
        ip = try fields.optionalString("ip")
        hostname = try fields.optionalString("hostname")
        rtt = try fields.optionalString("rtt")
        asNumber = try fields["as"].map { value throws(JSONFields.Mismatch) in try ASNumber(json: value) }
        error = try fields.optionalString("error")
        mtu = try fields.optionalInteger("mtu")
    }
}

/// A whole trace result, shaped like pScheduler's (`{"schema":1,"succeeded":true,"paths":[[…]]}`).
///
/// `succeeded` says the trace ran, not that the destination answered: pScheduler reports an
/// unreachable hop as a hop `error` inside a succeeded result. `error` is set only when the
/// trace could not run at all (unresolvable name, no socket, no local route).
///
/// ```swift
/// let json = try TraceResult(paths: [[TraceHop(ip: "127.0.0.1", rtt: .microseconds(20))]]).jsonString()
/// ```
public struct TraceResult: Sendable, Equatable {
    public var schema: Int
    public var succeeded: Bool
    /// One path (pScheduler allows several only for multipath tools).
    public var paths: [[TraceHop]]
    public var error: String?
    public var diags: String?

    public init(
        schema: Int = 1, succeeded: Bool = true, paths: [[TraceHop]], error: String? = nil, diags: String? = nil
    ) {
        self.schema = schema
        self.succeeded = succeeded
        self.paths = paths
        self.error = error
        self.diags = diags
    }

    /// A result for a trace that could not run, with the reason in `error`.
    public static func failure(_ message: String) -> TraceResult {
        TraceResult(succeeded: false, paths: [], error: message)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .integer(Int64(schema)), "succeeded": .bool(succeeded),
            "paths": .array(paths.map { path in .array(path.map(\.json)) }),
        ]
        if let error { members["error"] = .string(error) }
        if let diags { members["diags"] = .string(diags) }
        return .object(members)
    }

    /// Reads a result this type wrote. `schema` and `paths` may be missing (a failure written by
    /// an older agent had neither), so records spooled before still read.
    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "trace result")
        var paths: [[TraceHop]] = []
        for path in try fields.optionalArray("paths") ?? [] {
            guard case .array(let hops) = path else {
                throw JSONFields.Mismatch("trace result has a path that is not an array")
            }
            var read: [TraceHop] = []
            for hop in hops { read.append(try TraceHop(json: hop)) }
            paths.append(read)
        }
        self.init(
            schema: try fields.optionalInteger("schema") ?? 1, succeeded: try fields.bool("succeeded"), paths: paths,
            error: try fields.optionalString("error"), diags: try fields.optionalString("diags"))
    }

    /// The pScheduler-shaped JSON, keys sorted so the output is stable for diffs and tests.
    public func jsonString() -> String { JSONText.string(json) }

    /// Decodes a pScheduler trace result (the CLI's output, in tests).
    public static func decode(json: String) throws -> TraceResult {
        try TraceResult(json: try JSONText.parse(Array(json.utf8)))
    }
}
