/// Serialises ``JSONValue`` trees compactly, with sorted object keys and Python-style floats.
///
/// esmond (Python) prints integral floats with a trailing `.0`; clients that diff output against
/// esmond's expect the same, so floats never lose their fraction here.
///
/// ```swift
/// JSONText.string(.number(7016320000))  // "7016320000.0"
/// ```
public enum JSONText {
    /// Errors and failures to parse a document handed to the archive.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    public static func bytes(_ value: JSONValue) -> [UInt8] { Array(string(value).utf8) }

    /// Parses a whole document; the error text explains what was wrong, for a `detail` message.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try JSONTextParser.parse(bytes)
    }

    /// Python `repr(float)`: shortest round-trip digits, `.0` on integral values, `inf`/`nan` as null
    /// because JSON has no spelling for them.
    public static func pythonFloat(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e16 {
            // Exact in Int64 below 1e16; `String(format:)` gave the same text at ~10x the cost,
            // which dominated rendering a day of points.
            if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
            return String(Int64(value)) + ".0"
        }
        return "\(value)"
    }

    static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let v): out += String(v)
        case .number(let v): out += pythonFloat(v)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                write(members[key]!, to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Nearly every key and value needs no escaping: append it whole instead of per scalar.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
