/// One `name=value` field of a sonar "free CSV" record.
public struct FreeCSVField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Why a free-CSV line was refused.
public enum FreeCSVError: Error, Equatable, CustomStringConvertible {
    case unterminatedQuote(column: Int)
    case bareQuote(column: Int)
    case textAfterQuote(column: Int)
    case fieldWithoutEquals(field: String)
    case emptyLine

    public var description: String {
        switch self {
        case .unterminatedQuote(let c): return "unterminated quoted field starting at column \(c)"
        case .bareQuote(let c): return "bare '\"' in unquoted field at column \(c)"
        case .textAfterQuote(let c): return "extraneous text after closing quote at column \(c)"
        case .fieldWithoutEquals(let f): return "field without '=': \(f.prefix(40))"
        case .emptyLine: return "empty line"
        }
    }
}

/// Sonar's "free CSV" line format (sonar 0.7–0.16 `sonar ps`): comma-separated `name=value`
/// fields, where quoting wraps the whole `name=value` string.
///
/// ```swift
/// let line = FreeCSV.line([("v", "0.12.2"), ("gpus", "0,1")])   // v=0.12.2,"gpus=0,1"
/// let fields = try FreeCSV.parse(line[...])
/// ```
public enum FreeCSV {
    /// One field, quoted as sonar's `csv_quote` does: only when it holds `,` or `"`.
    public static func field(_ name: String, _ value: String) -> String {
        let raw = name + "=" + replacingControlCharacters(value)
        guard raw.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") }) else {
            return raw
        }
        var quoted = "\""
        for ch in raw {
            if ch == "\"" { quoted += "\"\"" } else { quoted.append(ch) }
        }
        quoted += "\""
        return quoted
    }

    /// A whole record line without the trailing newline.
    public static func line(_ fields: [(String, String)]) -> String {
        fields.map { field($0.0, $0.1) }.joined(separator: ",")
    }

    /// Sonar never escapes control characters, so a command name holding a newline would split a
    /// record in two; we replace them with a space instead.
    public static func replacingControlCharacters(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { out.append(isControl(u) ? " " : u) }
        return String(out)
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || u.value == 0x7f || (u.value >= 0x80 && u.value < 0xa0)
    }

    /// Sonar's `three_places`: at most three decimals, no trailing zeros, no exponent.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = (value * 1000).rounded()
        let negative = scaled < 0
        let magnitude = Int64(abs(scaled))
        let whole = magnitude / 1000
        var frac = magnitude % 1000
        var text = (negative && magnitude != 0 ? "-" : "") + String(whole)
        if frac != 0 {
            var digits = 3
            while frac % 10 == 0 {
                frac /= 10
                digits -= 1
            }
            let f = String(frac)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }

    /// Splits a line like Go's `encoding/csv` (which both reference receivers use) and requires
    /// every field to be `name=value`.
    public static func parse(_ line: Substring) throws(FreeCSVError) -> [FreeCSVField] {
        var fields: [FreeCSVField] = []
        try FreeCSVScanner.walk(Array(line.utf8)[...]) { name, value in
            fields.append(
                FreeCSVField(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
            )
        }
        return fields
    }
}
