import FathomShared

/// How one new base point changes a summary bin, and how stored points read back.
///
/// Summaries are kept in a form that can absorb later points exactly (sums, counts, numerator and
/// denominator, merged buckets); the ratio or mean is taken only when read, as esmond does.
///
/// ```swift
/// let bin = SummaryFolding.bin(ts: 1_398_965_989, window: 86_400)  // 1_398_902_400
/// ```
public enum SummaryFolding {
    public static func bin(ts: Int64, window: Int64) -> Int64 {
        window > 0 ? (ts / window) * window : ts
    }

    /// The new stored value of an aggregation or average bin after adding `value` (normalised).
    /// Statistics are not folded here: they are computed from a histogram (``HistogramStatistics``).
    public static func fold(
        _ existing: JSONValue?, adding value: JSONValue, kind: ArchiveValueKind, type: ArchiveSummaryType
    ) throws(ArchiveValidationError) -> JSONValue {
        switch (kind, type) {
        case (.integer, .aggregation), (.float, .aggregation):
            return .integer(try add(existing?.integerValue ?? 0, value.integerValue ?? 0))
        case (.integer, .average), (.float, .average):
            let sum = try add(existing?["sum"]?.integerValue ?? 0, value.integerValue ?? 0)
            let count = (existing?["count"]?.integerValue ?? 0) + 1
            return .object(["sum": .integer(sum), "count": .integer(count)])
        case (.percentage, .aggregation):
            var result: [String: JSONValue] = [:]
            for field in ["numerator", "denominator"] {
                result[field] = .integer(try add(existing?[field]?.integerValue ?? 0, value[field]?.integerValue ?? 0))
            }
            return .object(result)
        case (.histogram, .aggregation):
            var merged = histogramCounts(existing ?? .object([:]))
            for (bucket, count) in histogramCounts(value) { merged[bucket] = try add(merged[bucket] ?? 0, count) }
            return .object(merged.mapValues { .integer($0) })
        default:
            throw ArchiveValidationError("Summary type \(type.rawValue) not allowed for \(kind.rawValue) values")
        }
    }

    /// An aggregation bin without a point it once absorbed, for a histogram replaced at the same
    /// time; buckets left empty go. Kinds that refuse a second point never get here.
    static func removing(_ value: JSONValue, from existing: JSONValue, kind: ArchiveValueKind, type: ArchiveSummaryType)
        -> JSONValue
    {
        guard kind == .histogram, type == .aggregation else { return existing }
        var merged = histogramCounts(existing)
        for (bucket, count) in histogramCounts(value) {
            let left = (merged[bucket] ?? 0) - count
            merged[bucket] = left > 0 ? left : nil
        }
        return .object(merged.mapValues { .integer($0) })
    }

    /// Bucket → count of a stored histogram.
    public static func histogramCounts(_ value: JSONValue) -> [String: Int64] {
        guard case .object(let members) = value else { return [:] }
        return members.compactMapValues { $0.integerValue }
    }

    /// The `val` a client reads for a stored point (esmond `cassandra.py` read semantics), except
    /// that an integer type's base points and sums read back as JSON integers (`9300000000`, not
    /// esmond's `9300000000.0`): the type is an integer one, and a client parsing the float would
    /// keep a float for a count (Python's `json` reads both as numbers that compare equal).
    public static func readBack(_ stored: JSONValue, kind: ArchiveValueKind, type: ArchiveSummaryType) -> JSONValue {
        let scale = kind == .float ? ArchiveValueValidator.floatScale : 1
        switch (kind, type) {
        case (.integer, .average), (.float, .average):
            guard let sum = stored["sum"]?.integerValue, let count = stored["count"]?.integerValue, count > 0 else {
                return .null
            }
            return .number(Double(sum) / Double(count) / scale)
        case (.integer, _):
            return stored.integerValue.map { .integer($0) } ?? .null
        case (.float, _):
            return stored.integerValue.map { .number(Double($0) / scale) } ?? .null
        case (.percentage, _):
            guard let n = stored["numerator"]?.integerValue, let d = stored["denominator"]?.integerValue, d > 0 else {
                return .null
            }
            return .number(Double(n) / Double(d))
        default:
            return stored
        }
    }

    static func add(_ a: Int64, _ b: Int64) throws(ArchiveValidationError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw ArchiveValidationError("Value overflows the summary") }
        return sum
    }
}
