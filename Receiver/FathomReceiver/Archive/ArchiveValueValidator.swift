import FathomShared

/// A value refused for its event type; `message` is esmond's `detail` text.
public struct ArchiveValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks a posted value against its kind and turns it into the form the store keeps
/// (esmond `validators.py`): integers truncated, floats as fixed point ×10⁴ truncated,
/// percentages as `{numerator, denominator}`, the rest as posted.
///
/// ```swift
/// try ArchiveValueValidator.normalise(.number(9.3e9), kind: .integer)  // .integer(9300000000)
/// ```
public enum ArchiveValueValidator {
    /// esmond keeps floats as `int(v × 10000)`, so `0.57` reads back as `0.5699`; so does Fathom.
    public static let floatScale = 10_000.0
    /// The largest value (as JSON text) one point may hold: a pScheduler raw throughput result with
    /// many streams and intervals fits well, and a read of a full page stays bounded.
    public static let maxValueBytes = 1 << 20

    /// Checks `value` against its kind and, for the JSON types with a known shape (`packet-trace`,
    /// `packet-trace-multi`, `failures`), against that shape (see ``ArchiveTraceValueRules``).
    public static func normalise(
        _ value: JSONValue, kind: ArchiveValueKind, eventType: String = ""
    ) throws(ArchiveValidationError) -> JSONValue {
        switch kind {
        case .integer, .float, .percentage:
            return try scalar(value, kind: kind)
        case .histogram, .subinterval, .json:
            try ArchiveTraceValueRules.check(value, eventType: eventType)
            let size = JSONText.bytes(value).count
            guard size <= maxValueBytes else {
                throw ArchiveValidationError("Value is \(size) bytes of JSON (limit \(maxValueBytes))")
            }
            if kind == .histogram { return try histogram(value) }
            if kind == .subinterval { return try subinterval(value) }
            return value
        }
    }

    static func scalar(_ value: JSONValue, kind: ArchiveValueKind) throws(ArchiveValidationError) -> JSONValue {
        switch kind {
        case .integer:
            // Python int(None) / int([]) is a TypeError, a 500 in esmond; here it is the same 400 as a bad string.
            guard let v = value.integerValue else { throw ArchiveValidationError("Value must be an integer") }
            return .integer(v)
        case .float:
            guard let v = value.doubleValue, v.isFinite, abs(v * floatScale) < 9.2e18 else {
                throw ArchiveValidationError("Value must be a floating point number")
            }
            return .integer(Int64(v * floatScale))
        default:
            return try percentage(value)
        }
    }

    static func percentage(_ value: JSONValue) throws(ArchiveValidationError) -> JSONValue {
        guard case .object = value else { throw ArchiveValidationError("Missing required field 'numerator'") }
        var parts: [String: Int64] = [:]
        for field in ["numerator", "denominator"] {
            guard let raw = value[field] else { throw ArchiveValidationError("Missing required field '\(field)'") }
            guard let v = raw.integerValue else {
                throw ArchiveValidationError("The field '\(field)' must be an integer")
            }
            parts[field] = v
        }
        guard parts["denominator"]! > 0 else {
            throw ArchiveValidationError("The field 'denominator' must be greater than 0")
        }
        guard parts["numerator"]! >= 0 else { throw ArchiveValidationError("The field 'numerator' cannot be negative") }
        return .object(["numerator": .integer(parts["numerator"]!), "denominator": .integer(parts["denominator"]!)])
    }

    static func histogram(_ value: JSONValue) throws(ArchiveValidationError) -> JSONValue {
        guard case .object(let buckets) = value else { throw ArchiveValidationError("Invalid histogram provided") }
        var counts: [String: JSONValue] = [:]
        for (bucket, count) in buckets {
            // Statistics read every key as a number: "", "NaN", "1e309" or "0x10" would poison them.
            guard isFiniteDecimal(bucket) else {
                throw ArchiveValidationError("Histogram bucket '\(bucket.prefix(40))' is not a finite decimal number")
            }
            guard let c = count.integerValue else {
                throw ArchiveValidationError("Value of histogram must be an integer")
            }
            guard c >= 0 else { throw ArchiveValidationError("Histogram count for bucket '\(bucket)' is negative") }
            counts[bucket] = .integer(c)
        }
        return .object(counts)
    }

    /// `.`, `-`, `+`, `e`, `E`: with the digits, all a decimal number in exponent notation needs.
    static let numberPunctuation: Set<UInt8> = [0x2E, 0x2D, 0x2B, 0x65, 0x45]

    /// A decimal number in plain or exponent notation whose value is finite.
    static func isFiniteDecimal(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64,
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) || Self.numberPunctuation.contains($0) }),
            let v = Double(text)
        else { return false }
        return v.isFinite
    }

    static func subinterval(_ value: JSONValue) throws(ArchiveValidationError) -> JSONValue {
        guard case .array(let items) = value else { throw ArchiveValidationError("Invalid subintervals provided") }
        guard !items.isEmpty else { throw ArchiveValidationError("Empty subinterval provided") }
        for (index, item) in items.enumerated() {
            guard case .object = item else { throw ArchiveValidationError("Invalid subintervals provided") }
            for field in ["start", "duration", "val"] where item[field] == nil {
                throw ArchiveValidationError("Interval must contain '\(field)' field at position \(index)")
            }
            guard item["start"]!.doubleValue != nil, item["duration"]!.doubleValue != nil else {
                throw ArchiveValidationError("Subinterval 'start' and 'duration' must be floating point numbers")
            }
        }
        return value
    }
}
