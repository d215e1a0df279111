/// A TOML table: string keys mapped to values, remembering the order keys were defined in.
///
/// ```swift
/// let config = try TOMLTable.parse(text)
/// let cluster = config["agent"]?["cluster"]?.string
/// for key in config.keys { print(key, config[key]!.typeName) }
/// ```
public struct TOMLTable: Sendable, Equatable {
    /// Keys in definition order, so diagnostics and dumps follow the file.
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]

    public init() {}

    /// Builds a table from pairs; a later duplicate key replaces the earlier value.
    public init(_ pairs: KeyValuePairs<String, TOMLValue>) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The value stored under `key`; assigning `nil` removes it.
    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Follows a dotted path of keys through nested tables: `config.value(at: ["agent", "interval"])`.
    public func value(at path: [String]) -> TOMLValue? {
        guard let first = path.first, let value = self[first] else { return nil }
        if path.count == 1 { return value }
        return value.table?.value(at: Array(path.dropFirst()))
    }

    /// Key-value pairs in definition order.
    public var entries: [(key: String, value: TOMLValue)] {
        keys.map { ($0, values[$0]!) }
    }

    /// Equal when both hold the same keys with equal values; definition order does not matter.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.values == rhs.values
    }

    /// Parses a TOML 1.0 document.
    ///
    /// Rejects duplicate keys, redefined tables, and extending inline tables or static arrays, as the
    /// specification requires; the error names the line and what was expected there.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }
}
