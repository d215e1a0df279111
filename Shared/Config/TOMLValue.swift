/// One TOML value.
///
/// Dates and times are kept as their original text in `.string`, since the collector only passes
/// them through. The accessors return `nil` for a value of another type, so lookups chain:
///
/// ```swift
/// let interval = config["agent"]?["interval"]?.int ?? 300
/// let hosts = config["receiver"]?["hosts"]?.array?.compactMap(\.string) ?? []
/// ```
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer as `Int` (64-bit on every platform Fathom runs on).
    public var int: Int? {
        if case .integer(let value) = self { return Int(exactly: value) }
        return nil
    }

    public var int64: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// A float, or an integer widened to `Double`: `interval = 60` should satisfy a setting read as seconds.
    public var double: Double? {
        switch self {
        case .float(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    public var array: [TOMLValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var table: TOMLTable? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// Looks up `key` when this value is a table; `nil` otherwise.
    public subscript(key: String) -> TOMLValue? {
        table?[key]
    }

    /// The TOML name of the value's type, for messages like "expected integer for 'interval', found string".
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .array: return "array"
        case .table: return "table"
        }
    }
}
