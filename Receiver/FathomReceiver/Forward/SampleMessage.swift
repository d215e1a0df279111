import FathomShared

/// A span of a day file as a `fathom.samples.<cluster>` message: the sonar free-CSV lines one
/// group commit appended to one host's day file, with where they are stored, so a consumer can
/// index them or rebuild the tree:
/// `{"cluster", "host", "day": "YYYY-MM-DD", "path", "offset", "lines": [...]}`. Its id is the
/// span's place in the file (`samples-<path>@<offset>+<length>`), the same when it is sent again.
///
/// ```swift
/// let message = SampleMessage.message(path: "fox/2026/11/25/c1.csv", offset: 0, bytes: bytes, forward: settings)
/// ```
public enum SampleMessage {
    public static func message(path: String, offset: Int64, bytes: [UInt8], forward: ForwardSettings) -> AMQPMessage {
        let parts = path.split(separator: "/").map(String.init)
        let cluster = parts.first ?? ""
        let host = parts.count == 5 ? String(parts[4].dropLast(".csv".count)) : ""
        let day = parts.count == 5 ? "\(parts[1])-\(parts[2])-\(parts[3])" : ""
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map {
            JSONValue.string(String(decoding: $0, as: UTF8.self))
        }
        let body = JSONValue.object([
            "cluster": .string(cluster), "host": .string(host), "day": .string(day), "path": .string(path),
            "offset": .integer(offset), "lines": .array(lines),
        ])
        return AMQPMessage(
            routingKey: forward.samplesRoutingKey(cluster: cluster), id: "samples-\(path)@\(offset)+\(bytes.count)",
            body: JSONText.bytes(body))
    }
}
