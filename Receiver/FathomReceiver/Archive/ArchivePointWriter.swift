import GRDB

/// Writes base points and folds each into every summary its metadata registered, inside the
/// caller's write transaction; call ``finish()`` before the transaction ends.
///
/// Each point sees the summaries left by earlier points of the same transaction, so a bulk PUT
/// aggregates correctly (esmond's batched Cassandra writes did not). Statements are cached and
/// registrations looked up once per event type, because bulk ingest rate is what this file is for.
final class ArchivePointWriter {
    let db: Database
    let key: String
    let now: Int64
    /// Event type → its registered summaries (base excluded), or nil when not registered.
    private var registrations: [String: [ArchiveSummary]?] = [:]
    /// Event types written to, whose `time-updated` ``finish()`` sets.
    private var touched: Set<String> = []

    init(db: Database, key: String, now: Int64) {
        self.db = db
        self.key = key
        self.now = now
    }

    func write(_ point: ArchiveNewPoint) throws -> ArchiveWriteOutcome {
        // Unknown metadata or an event type it never registered: esmond answers 201 and drops it.
        guard let summaries = try registered(point.eventType), let kind = ArchiveEventTypes.kind(of: point.eventType)
        else { return .dropped }
        let base = ArchiveSummary(.base, 0)
        if kind.rejectsDuplicates, try stored(point.eventType, base, ts: point.ts) != nil {
            throw ArchiveDuplicatePoint(eventType: point.eventType, ts: point.ts)
        }
        try store(point.eventType, base, ts: point.ts, value: point.value)
        for summary in summaries {
            let bin = SummaryFolding.bin(ts: point.ts, window: summary.window)
            let value: JSONValue
            if summary.type == .statistics {
                // Statistics describe the bin's aggregated histogram when one is kept for the same
                // window (sorted order wrote it just above); otherwise the latest histogram alone.
                let aggregation = ArchiveSummary(.aggregation, summary.window)
                let source =
                    summaries.contains(aggregation)
                    ? try stored(point.eventType, aggregation, ts: bin) ?? point.value : point.value
                value = HistogramStatistics.compute(SummaryFolding.histogramCounts(source))
            } else {
                let existing = try stored(point.eventType, summary, ts: bin)
                value = try SummaryFolding.fold(existing, adding: point.value, kind: kind, type: summary.type)
            }
            try store(point.eventType, summary, ts: bin, value: value)
        }
        touched.insert(point.eventType)
        return .stored
    }

    /// Sets `time-updated` on every row of the event types written, once per transaction.
    func finish() throws {
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

    private func stored(_ eventType: String, _ summary: ArchiveSummary, ts: Int64) throws -> JSONValue? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT value FROM point
                WHERE metadata_key = ? AND event_type = ? AND summary_type = ? AND summary_window = ? AND ts = ?
                """)
        let text = try String.fetchOne(
            statement, arguments: [key, eventType, summary.type.rawValue, summary.window, ts])
        return try text.map { try ArchiveJSONWriter.parse(Array($0.utf8)) }
    }

    private func store(_ eventType: String, _ summary: ArchiveSummary, ts: Int64, value: JSONValue) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO point (metadata_key, event_type, summary_type, summary_window, ts, value)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        try statement.execute(
            arguments: [key, eventType, summary.type.rawValue, summary.window, ts, ArchiveJSONWriter.string(value)])
    }
}
