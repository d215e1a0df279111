/// The members of one JSON object read by type, for the decoders of our own records and of the
/// foreign messages we accept: a missing or mistyped member fails with a message naming it and
/// the object, and members nobody asks for are ignored (iperf3 adds keys across versions).
///
/// Absent and `null` are the same for the `optional…` readers. Numbers are read as written:
/// an integer member accepts `3` and `3.0` but not `3.5`; a floating-point member accepts both.
///
/// ```swift
/// let fields = try JSONFields(try JSONText.parse(bytes), what: "trace result")
/// let schema: Int = try fields.integer("schema")
/// let error = try fields.optionalString("error")
/// ```
public struct JSONFields: Sendable {
    /// A document that is not the shape its reader expects; the text names the member.
    public struct Mismatch: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    public let members: [String: JSONValue]
    /// What the object is, for messages ("trace result", "iperf3 parameters").
    public let what: String

    public init(_ value: JSONValue, what: String) throws(Mismatch) {
        guard case .object(let members) = value else { throw Mismatch("\(what) is not a JSON object") }
        self.members = members
        self.what = what
    }

    /// The member, nil when absent or `null`.
    public subscript(key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func mismatch(_ key: String, _ expected: String) -> Mismatch {
        self[key] == nil
            ? Mismatch("\(what) lacks \(expected) '\(key)'") : Mismatch("\(what) has '\(key)' that is not \(expected)")
    }

    public func string(_ key: String) throws(Mismatch) -> String {
        guard let value = try optionalString(key) else { throw mismatch(key, "a string") }
        return value
    }

    public func optionalString(_ key: String) throws(Mismatch) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value else { throw mismatch(key, "a string") }
        return text
    }

    public func bool(_ key: String) throws(Mismatch) -> Bool {
        guard let value = try optionalBool(key) else { throw mismatch(key, "a boolean") }
        return value
    }

    public func optionalBool(_ key: String) throws(Mismatch) -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let flag) = value else { throw mismatch(key, "a boolean") }
        return flag
    }

    public func integer<T: FixedWidthInteger>(_ key: String) throws(Mismatch) -> T {
        guard let value: T = try optionalInteger(key) else { throw mismatch(key, "an integer") }
        return value
    }

    /// An integer that fits `T`; a float with no fraction counts (some writers print `3.0`).
    public func optionalInteger<T: FixedWidthInteger>(_ key: String) throws(Mismatch) -> T? {
        guard let value = self[key] else { return nil }
        let exact: T? =
            switch value {
            case .integer(let v): T(exactly: v)
            case .number(let v): T(exactly: v)
            default: nil
            }
        guard let exact else { throw mismatch(key, "an integer within \(T.min)...\(T.max)") }
        return exact
    }

    public func double(_ key: String) throws(Mismatch) -> Double {
        guard let value = try optionalDouble(key) else { throw mismatch(key, "a number") }
        return value
    }

    public func optionalDouble(_ key: String) throws(Mismatch) -> Double? {
        guard let value = self[key] else { return nil }
        switch value {
        case .integer(let v): return Double(v)
        case .number(let v): return v
        default: throw mismatch(key, "a number")
        }
    }

    public func array(_ key: String) throws(Mismatch) -> [JSONValue] {
        guard let value = try optionalArray(key) else { throw mismatch(key, "an array") }
        return value
    }

    public func optionalArray(_ key: String) throws(Mismatch) -> [JSONValue]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else { throw mismatch(key, "an array") }
        return items
    }

    /// A member object, read in turn by its own fields.
    public func object(_ key: String) throws(Mismatch) -> JSONFields {
        guard let value = try optionalObject(key) else { throw mismatch(key, "an object") }
        return value
    }

    public func optionalObject(_ key: String) throws(Mismatch) -> JSONFields? {
        guard let value = self[key] else { return nil }
        guard case .object = value else { throw mismatch(key, "an object") }
        return try JSONFields(value, what: "\(what) '\(key)'")
    }
}
