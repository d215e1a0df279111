import FathomShared

/// A whole rtt result, shaped like pScheduler's merged rtt result (`validate.py` result schema):
/// `succeeded`, `roundtrips` and `loss` always; counts and `min`/`max`/`mean`/`stddev` when the
/// test ran (the statistics only when a reply came back).
///
/// `succeeded` says the test ran, not that the destination answered: 100 % loss is a succeeded
/// result with `loss` 1.0, as pScheduler reports a host that is down. `error` is set only when
/// the test could not run at all (unresolvable name, no ICMP socket).
///
/// ```swift
/// let result = RTTResult(roundtrips: [RTTRoundtrip(seq: 1, rtt: .microseconds(333))], sent: 1, received: 1, loss: 0)
/// print(result.jsonString())
/// ```
public struct RTTResult: Sendable, Equatable {
    public var schema: Int
    public var succeeded: Bool
    /// Replies (the first per sequence) and ICMP errors, in the order they arrived.
    public var roundtrips: [RTTRoundtrip]
    /// Requests sent; nil in a failure.
    public var sent: Int?
    /// Sequences that got a reply.
    public var received: Int?
    /// Replies after the first for a sequence.
    public var duplicates: Int?
    /// Replies whose sequence is below the previous reply's.
    public var reorders: Int?
    /// Fraction of requests without a reply (0.0–1.0).
    public var loss: Double
    /// Statistics of the replies' RTTs, ISO 8601 durations; `stddev` is ping's `mdev`.
    public var min: String?
    public var max: String?
    public var mean: String?
    public var stddev: String?
    public var error: String?
    /// How the probes were sent (`icmp datagram socket` / `raw icmp socket`).
    public var diags: String?

    public init(
        schema: Int = 1, succeeded: Bool = true, roundtrips: [RTTRoundtrip], sent: Int? = nil, received: Int? = nil,
        duplicates: Int? = nil, reorders: Int? = nil, loss: Double, min: String? = nil, max: String? = nil,
        mean: String? = nil, stddev: String? = nil, error: String? = nil, diags: String? = nil
    ) {
        self.schema = schema
        self.succeeded = succeeded
        self.roundtrips = roundtrips
        self.sent = sent
        self.received = received
        self.duplicates = duplicates
        self.reorders = reorders
        self.loss = loss
        self.min = min
        self.max = max
        self.mean = mean
        self.stddev = stddev
        self.error = error
        self.diags = diags
    }

    /// A result for a test that could not run: no roundtrips, `loss` 1.0 (the schema requires
    /// it), the reason in `error`.
    public static func failure(_ message: String) -> RTTResult {
        RTTResult(succeeded: false, roundtrips: [], loss: 1.0, error: message)
    }

    /// `sent - received`, nil in a failure.
    public var lost: Int? {
        guard let sent, let received else { return nil }
        return sent - received
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .integer(Int64(schema)), "succeeded": .bool(succeeded),
            "roundtrips": .array(roundtrips.map(\.json)), "loss": .number(loss),
        ]
        let counts: [(String, Int?)] = [
            ("sent", sent), ("received", received), ("lost", lost), ("duplicates", duplicates), ("reorders", reorders),
        ]
        for (key, value) in counts { if let value { members[key] = .integer(Int64(value)) } }
        let texts: [(String, String?)] = [
            ("min", min), ("max", max), ("mean", mean), ("stddev", stddev), ("error", error), ("diags", diags),
        ]
        for (key, value) in texts { if let value { members[key] = .string(value) } }
        return .object(members)
    }

    /// Reads a result this type wrote.
    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "rtt result")
        var roundtrips: [RTTRoundtrip] = []
        for entry in try fields.optionalArray("roundtrips") ?? [] { roundtrips.append(try RTTRoundtrip(json: entry)) }
        self.init(
            schema: try fields.optionalInteger("schema") ?? 1, succeeded: try fields.bool("succeeded"),
            roundtrips: roundtrips, sent: try fields.optionalInteger("sent"),
            received: try fields.optionalInteger("received"),
            duplicates: try fields.optionalInteger("duplicates"), reorders: try fields.optionalInteger("reorders"),
            loss: try fields.optionalDouble("loss") ?? 1.0, min: try fields.optionalString("min"),
            max: try fields.optionalString("max"), mean: try fields.optionalString("mean"),
            stddev: try fields.optionalString("stddev"), error: try fields.optionalString("error"),
            diags: try fields.optionalString("diags"))
    }

    /// The pScheduler-shaped JSON, keys sorted.
    public func jsonString() -> String { JSONText.string(json) }

    /// Decodes an rtt result (the CLI's output, in tests).
    public static func decode(json: String) throws -> RTTResult {
        try RTTResult(json: try JSONText.parse(Array(json.utf8)))
    }
}
