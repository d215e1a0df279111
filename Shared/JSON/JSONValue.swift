/// A parsed JSON document, as the archive receives and returns it.
///
/// esmond stores values exactly as posted and its clients compare bytes, so the archive keeps
/// its own JSON tree rather than Foundation's `Any`: integers stay integers, and ``JSONText``
/// prints floats the way Python does (`7016320000.0`).
///
/// ```swift
/// let value = try JSONText.parse(Array(#"{"ts":1,"val":2}"#.utf8))
/// value["ts"]  // .integer(1)
/// ```
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Member of an object, `nil` for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as a Double when it is a number or a numeric string (Python's `float()`).
    public var doubleValue: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .number(let v): return v
        case .string(let s): return Double(s.trimmingWhitespace())
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The value as an integer the way Python's `int()` reads it: floats truncate, numeric
    /// strings must be whole numbers, booleans count as 0/1.
    public var integerValue: Int64? {
        switch self {
        case .integer(let v): return v
        case .number(let v):
            guard v.isFinite, v > -9.2e18, v < 9.2e18 else { return nil }
            return Int64(v)
        case .string(let s): return Int64(s.trimmingWhitespace())
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Python's `str(value)` for scalars, used for free metadata parameters (esmond stores `str(v)`).
    public var pythonString: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .integer(let v): return String(v)
        case .number(let v): return JSONText.pythonFloat(v)
        case .string(let s): return s
        case .array, .object: return JSONText.string(self)
        }
    }
}
