import FathomShared
import GRDB

/// Writes base points and folds each into every summary its metadata registered, inside the
/// caller's write transaction; call ``finish()`` before the transaction ends.
///
/// Each point sees the summaries left by earlier points of the same transaction, so a bulk PUT
/// aggregates correctly (esmond's batched Cassandra writes did not). Summary bins are kept in
/// memory while the transaction lasts and written once each by ``finish()``: a bulk of 1,000
/// 1-minute points folds into one daily bin, which used to be read, parsed, re-encoded and
/// rewritten 1,000 times. Statements are prepared once per writer and registrations looked up
/// once per event type, because bulk ingest rate is what this file is for.
final class ArchivePointWriter {
    let db: Database
    let key: String
    let now: Int64
    /// Event type → its registered summaries (base excluded), or nil when not registered.
    private var registrations: [String: [ArchiveSummary]?] = [:]
    /// Event types written to, whose `time-updated` ``finish()`` sets.
    private var touched: Set<String> = []
    /// Aggregation and average bins as folded so far in this transaction.
    private var folded: [Bin: JSONValue] = [:]
    /// Statistics bins to compute in ``finish()``: from the latest histogram of the bin, or (nil)
    /// from the bin's aggregation for the same window.
    private var statistics: [Bin: JSONValue?] = [:]

    private let insertNew: Statement
    private let insertOrReplace: Statement
    private let select: Statement

    /// One summary bin of one series of this metadata.
    private struct Bin: Hashable {
        var eventType: String
        var summary: ArchiveSummary
        var ts: Int64
    }

    init(db: Database, key: String, now: Int64) throws {
        self.db = db
        self.key = key
        self.now = now
        let columns = "(metadata_key, event_type, summary_type, summary_window, ts, value) VALUES (?, ?, ?, ?, ?, ?)"
        // Plain INSERT for numeric base points: the primary key itself detects the repeated
        // timestamp (esmond's 409), without a separate lookup per point.
        insertNew = try db.cachedStatement(sql: "INSERT INTO point " + columns)
        insertOrReplace = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point " + columns)
        select = try db.cachedStatement(
            sql: """
                SELECT value FROM point
                WHERE metadata_key = ? AND event_type = ? AND summary_type = ? AND summary_window = ? AND ts = ?
                """)
    }

    func write(_ point: ArchiveNewPoint) throws -> ArchiveWriteOutcome {
        // Unknown metadata or an event type it never registered: esmond answers 201 and drops it.
        guard let summaries = try registered(point.eventType), let kind = ArchiveEventTypes.kind(of: point.eventType)
        else { return .dropped }
        let base = ArchiveSummary(.base, 0)
        var previous: JSONValue?
        if kind.rejectsDuplicates {
            do {
                try store(insertNew, point.eventType, base, ts: point.ts, value: point.value)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                // Only this statement failed; the transaction and the points before stay.
                throw ArchiveDuplicatePoint(eventType: point.eventType, ts: point.ts)
            }
        } else {
            // A point replaced in place (histograms): its old value leaves the summaries before the
            // new one enters, and a replay of the same value (a resend after a lost 201) changes
            // nothing, so no aggregation counts a point twice.
            if !summaries.isEmpty {
                previous = try stored(Bin(eventType: point.eventType, summary: base, ts: point.ts))
            }
            if let previous, previous == point.value {
                touched.insert(point.eventType)
                return .stored
            }
            try store(insertOrReplace, point.eventType, base, ts: point.ts, value: point.value)
        }
        for summary in summaries {
            let bin = Bin(
                eventType: point.eventType, summary: summary,
                ts: SummaryFolding.bin(ts: point.ts, window: summary.window))
            if summary.type == .statistics {
                // Statistics describe the bin's aggregated histogram when one is kept for the same
                // window; otherwise the latest histogram alone.
                let aggregated = summaries.contains(ArchiveSummary(.aggregation, summary.window))
                statistics[bin] = aggregated ? .some(nil) : .some(point.value)
            } else {
                var existing = try folded[bin] ?? stored(bin)
                if let previous, let current = existing {
                    existing = SummaryFolding.removing(previous, from: current, kind: kind, type: summary.type)
                }
                folded[bin] = try SummaryFolding.fold(existing, adding: point.value, kind: kind, type: summary.type)
            }
        }
        touched.insert(point.eventType)
        return .stored
    }

    /// Writes the summary bins and sets `time-updated` on every row of the event types written,
    /// once per transaction.
    func finish() throws {
        for (bin, value) in folded { try store(insertOrReplace, bin.eventType, bin.summary, ts: bin.ts, value: value) }
        for (bin, latest) in statistics {
            let aggregation = Bin(
                eventType: bin.eventType, summary: ArchiveSummary(.aggregation, bin.summary.window), ts: bin.ts)
            let source = latest ?? folded[aggregation] ?? .object([:])
            let value = HistogramStatistics.compute(SummaryFolding.histogramCounts(source))
            try store(insertOrReplace, bin.eventType, bin.summary, ts: bin.ts, value: value)
        }
        folded = [:]
        statistics = [:]
        let statement = try db.cachedStatement(
            sql: "UPDATE event_type SET time_updated = ? WHERE metadata_key = ? AND event_type = ?")
        for eventType in touched { try statement.execute(arguments: [now, key, eventType]) }
        touched = []
    }

    private func registered(_ eventType: String) throws -> [ArchiveSummary]? {
        if let cached = registrations[eventType] { return cached }
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT summary_type, summary_window FROM event_type WHERE metadata_key = ? AND event_type = ?"),
            arguments: [key, eventType])
        let summaries: [ArchiveSummary]? =
            rows.isEmpty
            ? nil
            : rows.compactMap { row -> ArchiveSummary? in
                ArchiveSummaryType(rawValue: row["summary_type"]).map { ArchiveSummary($0, row["summary_window"]) }
            }.filter { $0.type != .base }.sorted()
        registrations[eventType] = .some(summaries)
        return summaries
    }

    private func stored(_ bin: Bin) throws -> JSONValue? {
        let text = try String.fetchOne(
            select, arguments: [key, bin.eventType, bin.summary.type.rawValue, bin.summary.window, bin.ts])
        return try text.map(Self.decode)
    }

    private func store(
        _ statement: Statement, _ eventType: String, _ summary: ArchiveSummary, ts: Int64, value: JSONValue
    ) throws {
        try statement.execute(
            arguments: [key, eventType, summary.type.rawValue, summary.window, ts, JSONText.string(value)])
    }

    /// A stored value back as JSON. Integer text (integer and float series and their
    /// aggregations, the bulk of an archive) skips the JSON parser, which was much of the cost
    /// of reading a day of points; `JSONText` wrote it as plain digits.
    static func decode(_ text: String) throws -> JSONValue {
        if let integer = Int64(text) { return .integer(integer) }
        return try JSONText.parse(Array(text.utf8))
    }
}
