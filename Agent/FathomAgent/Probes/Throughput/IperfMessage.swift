import FathomShared

/// A JSON message of iperf3's control protocol (the parameters, each side's results), written
/// and read with the project's JSON code (``JSONText``, ``JSONFields``), as cJSON on the other
/// end reads and writes it: members are looked up by name, unknown ones ignored.
///
/// ```swift
/// try control.sendJSON(IperfParameters(time: 2, parallel: 1, reverse: false), what: "parameters")
/// let theirs = try control.readJSON(IperfResults.self, maxLength: 16 << 20, what: "server results")
/// ```
public protocol IperfMessage: Sendable {
    var json: JSONValue { get }
    init(json: JSONValue) throws(JSONFields.Mismatch)
}

extension JSONValue {
    /// A number the way cJSON prints it: integral values without a fraction (`-1`, `0`), so our
    /// messages carry the same text as iperf3's own.
    static func cJSONNumber(_ value: Double) -> JSONValue {
        if value == value.rounded(), abs(value) < 1e15, let integer = Int64(exactly: value) { return .integer(integer) }
        return .number(value)
    }
}
