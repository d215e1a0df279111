import FathomShared
import Logging
import PostgresNIO

/// One metadata's rows in the PostgreSQL archive, for ``ArchivePointWriter``: every row the
/// writer may read for a list of points is fetched in one query beforehand (``load``), writes
/// are staged in memory, and ``flush`` sends them in one upsert, so a bulk PUT of 1,000 points
/// costs a handful of round trips, not thousands.
///
/// The caller holds the metadata's row lock for the whole transaction (see
/// `PostgresArchiveStore`), so nothing another receiver writes can slip between the reads here
/// and the flush: the staged view is the database's.
///
/// ```swift
/// let rows = try await PostgresArchivePointRows.load(key: key, points: points, on: connection, logger: logger)
/// let writer = ArchivePointWriter(rows: rows, now: stamp)
/// for point in points { _ = try writer.write(point) }
/// try writer.finish()
/// try await rows.flush(on: connection, logger: logger)
/// ```
final class PostgresArchivePointRows: ArchivePointRows {
    let key: String
    /// Event type → its registered summaries (base included).
    private let registrations: [String: [ArchiveSummary]]
    /// Rows as stored before this transaction, among those the writer may read.
    private let loaded: [ArchiveSeriesBin: JSONValue]
    /// Rows written in this transaction, each as last written.
    private var staged: [ArchiveSeriesBin: JSONValue] = [:]
    private var touched: (eventTypes: Set<String>, now: Int64)?

    private init(key: String, registrations: [String: [ArchiveSummary]], loaded: [ArchiveSeriesBin: JSONValue]) {
        self.key = key
        self.registrations = registrations
        self.loaded = loaded
    }

    /// Reads the metadata's registrations and the stored rows that writing `points` may look at:
    /// each point's base row and the summary bins it folds into.
    static func load(
        key: String, points: [ArchiveNewPoint], on connection: PostgresConnection, logger: Logger
    ) async throws -> PostgresArchivePointRows {
        var registrations: [String: [ArchiveSummary]] = [:]
        for try await (eventType, type, window) in try await connection.query(
            """
            SELECT event_type, summary_type, summary_window FROM fathom_archive_event_type
            WHERE metadata_key = \(key)
            """, logger: logger
        ).decode((String, String, Int64).self) {
            guard let type = ArchiveSummaryType(rawValue: type) else { continue }
            registrations[eventType, default: []].append(ArchiveSummary(type, window))
        }
        var wanted = Set<ArchiveSeriesBin>()
        for point in points {
            guard let summaries = registrations[point.eventType] else { continue }
            for summary in summaries {
                wanted.insert(
                    ArchiveSeriesBin(
                        eventType: point.eventType, summary: summary,
                        ts: SummaryFolding.bin(ts: point.ts, window: summary.window)))
            }
        }
        var loaded: [ArchiveSeriesBin: JSONValue] = [:]
        if !wanted.isEmpty {
            let bins = Array(wanted)
            let eventTypes = bins.map(\.eventType)
            let types = bins.map(\.summary.type.rawValue)
            let windows = bins.map(\.summary.window)
            let times = bins.map(\.ts)
            for try await (eventType, type, window, ts, value) in try await connection.query(
                """
                SELECT p.event_type, p.summary_type, p.summary_window, p.ts, p.value
                FROM unnest(\(eventTypes)::text[], \(types)::text[], \(windows)::int8[], \(times)::int8[])
                     AS w(event_type, summary_type, summary_window, ts)
                JOIN fathom_archive_point p
                  ON p.metadata_key = \(key) AND p.event_type = w.event_type AND p.summary_type = w.summary_type
                     AND p.summary_window = w.summary_window AND p.ts = w.ts
                """, logger: logger
            ).decode((String, String, Int64, Int64, String).self) {
                guard let type = ArchiveSummaryType(rawValue: type) else { continue }
                let bin = ArchiveSeriesBin(eventType: eventType, summary: ArchiveSummary(type, window), ts: ts)
                loaded[bin] = (try? ArchiveStoredValue.decode(value)) ?? .null
            }
        }
        return PostgresArchivePointRows(key: key, registrations: registrations, loaded: loaded)
    }

    func registeredSummaries(_ eventType: String) -> [ArchiveSummary]? {
        registrations[eventType].map { $0.filter { $0.type != .base }.sorted() }
    }

    func storedValue(_ bin: ArchiveSeriesBin) -> JSONValue? { staged[bin] ?? loaded[bin] }

    func insertNew(_ bin: ArchiveSeriesBin, value: JSONValue) -> Bool {
        guard storedValue(bin) == nil else { return false }
        staged[bin] = value
        return true
    }

    func insertOrReplace(_ bin: ArchiveSeriesBin, value: JSONValue) { staged[bin] = value }

    func touch(_ eventTypes: Set<String>, now: Int64) { touched = (eventTypes, now) }

    /// Sends the staged rows (one upsert) and the `time-updated` stamps.
    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        if !staged.isEmpty {
            var eventTypes: [String] = []
            var types: [String] = []
            var windows: [Int64] = []
            var times: [Int64] = []
            var values: [String] = []
            for (bin, value) in staged {
                eventTypes.append(bin.eventType)
                types.append(bin.summary.type.rawValue)
                windows.append(bin.summary.window)
                times.append(bin.ts)
                values.append(JSONText.string(value))
            }
            try await connection.query(
                """
                INSERT INTO fathom_archive_point (metadata_key, event_type, summary_type, summary_window, ts, value)
                SELECT \(key), e, t, w, ts, v
                FROM unnest(\(eventTypes)::text[], \(types)::text[], \(windows)::int8[], \(times)::int8[],
                            \(values)::text[]) AS x(e, t, w, ts, v)
                ON CONFLICT (metadata_key, event_type, summary_type, summary_window, ts)
                DO UPDATE SET value = EXCLUDED.value
                """, logger: logger)
            staged = [:]
        }
        if let (eventTypes, now) = touched {
            try await connection.query(
                """
                UPDATE fathom_archive_event_type SET time_updated = \(now)
                WHERE metadata_key = \(key) AND event_type = ANY(\(Array(eventTypes))::text[])
                """, logger: logger)
            touched = nil
        }
    }
}
