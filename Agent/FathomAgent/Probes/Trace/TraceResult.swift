import FathomShared
import FoundationEssentials

/// One hop of a trace, shaped like a hop of pScheduler's trace result.
///
/// Every key is optional: a TTL that did not answer is `{}`. pScheduler has no TTL field, so the
/// hop's position in the path is its TTL (`first-ttl + index`).
///
/// ```swift
/// let hop = TraceHop(ip: "10.20.1.1", rtt: .microseconds(95), mtu: 1500)
/// ```
public struct TraceHop: Sendable, Equatable, Codable {
    /// The address that answered (the ICMP error's offender).
    public var ip: String?
    /// Reverse name of `ip`; looked up after the trace so DNS never inflates an RTT.
    public var hostname: String?
    /// Round-trip time of the first answered query (ISO 8601 duration, `PT0.000095S`).
    public var rtt: String?
    /// ICMP unreachable other than "port unreachable from the destination" (`ICMPError` names).
    public var error: String?
    /// Path MTU known when this hop answered; carried onto every later hop once learned.
    public var mtu: Int?

    public init(ip: String? = nil, hostname: String? = nil, rtt: Duration? = nil, error: String? = nil, mtu: Int? = nil) {
        self.ip = ip
        self.hostname = hostname
        self.rtt = rtt.map(ISODuration.string)
        self.error = error
        self.mtu = mtu
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
public struct TraceResult: Sendable, Equatable, Codable {
    public var schema: Int
    public var succeeded: Bool
    /// One path (pScheduler allows several only for multipath tools).
    public var paths: [[TraceHop]]
    public var error: String?
    public var diags: String?

    public init(schema: Int = 1, succeeded: Bool = true, paths: [[TraceHop]], error: String? = nil, diags: String? = nil) {
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

    /// The pScheduler-shaped JSON, keys sorted so the output is stable for diffs and tests.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes a pScheduler trace result (used by tests and, later, the archiver).
    public static func decode(json: String) throws -> TraceResult {
        try JSONDecoder().decode(TraceResult.self, from: Data(json.utf8))
    }
}
