import FathomShared

/// Writes base points and folds each into every summary its metadata registered, inside the
/// caller's write transaction; call ``finish()`` before the transaction ends. The same rules for
/// both stores: only ``ArchivePointRows`` differs.
///
/// Each point sees the summaries left by earlier points of the same transaction, so a bulk PUT
/// aggregates correctly (esmond's batched Cassandra writes did not). Summary bins are kept in
/// memory while the transaction lasts and written once each by ``finish()``: a bulk of 1,000
/// 1-minute points folds into one daily bin, which used to be read, parsed, re-encoded and
/// rewritten 1,000 times. Registrations are looked up once per event type, because bulk ingest
/// rate is what this type is for.
///
/// ```swift
/// let writer = ArchivePointWriter(rows: rows, now: stamp)
/// _ = try writer.write(ArchiveNewPoint(ts: 1_700_000_000, eventType: "throughput", value: .integer(9)))
/// try writer.finish()
/// ```
final class ArchivePointWriter<Rows: ArchivePointRows> {
    let rows: Rows
    let now: Int64
    /// Event type → its registered summaries (base excluded), or nil when not registered.
    private var registrations: [String: [ArchiveSummary]?] = [:]
    /// Event types written to, whose `time-updated` ``finish()`` sets.
    private var touched: Set<String> = []
    /// Aggregation and average bins as folded so far in this transaction.
    private var folded: [ArchiveSeriesBin: JSONValue] = [:]
    /// Statistics bins to compute in ``finish()``: from the latest histogram of the bin, or (nil)
    /// from the bin's aggregation for the same window.
    private var statistics: [ArchiveSeriesBin: JSONValue?] = [:]

    init(rows: Rows, now: Int64) {
        self.rows = rows
        self.now = now
    }

    func write(_ point: ArchiveNewPoint) throws -> ArchiveWriteOutcome {
        // Unknown metadata or an event type it never registered: esmond answers 201 and drops it.
        guard let summaries = try registered(point.eventType), let kind = ArchiveEventTypes.kind(of: point.eventType)
        else { return .dropped }
        let base = ArchiveSeriesBin(eventType: point.eventType, summary: ArchiveSummary(.base, 0), ts: point.ts)
        var previous: JSONValue?
        if kind.rejectsDuplicates {
            // Only this row is refused; the transaction and the points before stay.
            guard try rows.insertNew(base, value: point.value) else {
                throw ArchiveDuplicatePoint(eventType: point.eventType, ts: point.ts)
            }
        } else {
            // A point replaced in place (histograms): its old value leaves the summaries before the
            // new one enters, and a replay of the same value (a resend after a lost 201) changes
            // nothing, so no aggregation counts a point twice.
            if !summaries.isEmpty { previous = try rows.storedValue(base) }
            if let previous, previous == point.value {
                touched.insert(point.eventType)
                return .stored
            }
            try rows.insertOrReplace(base, value: point.value)
        }
        for summary in summaries {
            let bin = ArchiveSeriesBin(
                eventType: point.eventType, summary: summary,
                ts: SummaryFolding.bin(ts: point.ts, window: summary.window))
            if summary.type == .statistics {
                // Statistics describe the bin's aggregated histogram when one is kept for the same
                // window; otherwise the latest histogram alone.
                let aggregated = summaries.contains(ArchiveSummary(.aggregation, summary.window))
                statistics[bin] = aggregated ? .some(nil) : .some(point.value)
            } else {
                var existing = try folded[bin] ?? rows.storedValue(bin)
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
        for (bin, value) in folded { try rows.insertOrReplace(bin, value: value) }
        for (bin, latest) in statistics {
            let aggregation = ArchiveSeriesBin(
                eventType: bin.eventType, summary: ArchiveSummary(.aggregation, bin.summary.window), ts: bin.ts)
            let source = latest ?? folded[aggregation] ?? .object([:])
            try rows.insertOrReplace(bin, value: HistogramStatistics.compute(SummaryFolding.histogramCounts(source)))
        }
        folded = [:]
        statistics = [:]
        if !touched.isEmpty { try rows.touch(touched, now: now) }
        touched = []
    }

    private func registered(_ eventType: String) throws -> [ArchiveSummary]? {
        if let cached = registrations[eventType] { return cached }
        let summaries = try rows.registeredSummaries(eventType)
        registrations[eventType] = .some(summaries)
        return summaries
    }
}

/// How a stored point's text reads back.
enum ArchiveStoredValue {
    /// A stored value back as JSON. Integer text (integer and float series and their
    /// aggregations, the bulk of an archive) skips the JSON parser, which was much of the cost
    /// of reading a day of points; `JSONText` wrote it as plain digits.
    static func decode(_ text: String) throws -> JSONValue {
        if let integer = Int64(text) { return .integer(integer) }
        return try JSONText.parse(Array(text.utf8))
    }
}
