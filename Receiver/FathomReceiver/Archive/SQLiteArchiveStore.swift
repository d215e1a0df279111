import FathomShared
import Foundation
import GRDB

/// The embedded archive store: one SQLite file in WAL mode through GRDB, so a fresh install
/// needs no database server.
///
/// ```swift
/// let store = try SQLiteArchiveStore(path: dir + "/archive.sqlite")
/// let page = try await store.listMetadata(ArchiveMetadataFilter())
/// ```
public final class SQLiteArchiveStore: ArchiveStore {
    let pool: DatabasePool
    /// Unix seconds for `time-updated`; injectable so tests can place writes in time.
    let now: @Sendable () -> Int64

    public init(path: String, now: @escaping @Sendable () -> Int64 = SQLiteArchiveStore.systemNow) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB puts its WAL connections at synchronous=NORMAL, where a commit is durable only
        // after a checkpoint: a power cut could lose points already answered 201. FULL fsyncs
        // the WAL on every commit, so the API's acknowledgement means what the issue promises.
        // Only the (single, long-lived) writer connection commits, so it is set there.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.now = now
        try ArchiveMigrations.migrator.migrate(pool)
    }

    public static let systemNow: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public func createOrGetMetadata(_ input: ArchiveMetadataInput) async throws -> (
        metadata: ArchiveMetadata, created: Bool
    ) {
        let checksum = input.checksum
        // Check and insert in one write transaction, so racing identical POSTs get one row.
        return try await pool.write { db in
            if let key = try String.fetchOne(
                db, sql: "SELECT key FROM metadata WHERE checksum = ?", arguments: [checksum]),
                let existing = try Self.load(db, key: key)
            {
                return (existing, false)
            }
            let key = ArchiveStoredMetadata.randomKey()
            var columns = ["key", "checksum", "subject_type", "subject", "parameters"]
            var values: [any DatabaseValueConvertible] = [
                key, checksum, input.subjectType.rawValue,
                ArchiveStoredMetadata.json(input.subject), ArchiveStoredMetadata.json(input.parameters),
            ]
            for (field, value) in input.subject {
                columns.append(field.replacingDashes())
                values.append(value)
            }
            let marks = Array(repeating: "?", count: values.count).joined(separator: ",")
            try db.execute(
                sql: "INSERT INTO metadata (\(columns.joined(separator: ","))) VALUES (\(marks))",
                arguments: StatementArguments(values))
            for (name, value) in input.parameters {
                try db.execute(
                    sql: "INSERT INTO metadata_parameter (metadata_key, name, value) VALUES (?, ?, ?)",
                    arguments: [key, name, value])
            }
            for entry in input.eventTypes {
                for summary in [ArchiveSummary(.base, 0)] + entry.summaries {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO event_type (metadata_key, event_type, summary_type, summary_window)
                            VALUES (?, ?, ?, ?)
                            """,
                        arguments: [key, entry.eventType, summary.type.rawValue, summary.window])
                }
            }
            return (try Self.load(db, key: key)!, true)
        }
    }

    public func metadata(key: String) async throws -> ArchiveMetadata? {
        try await pool.read { db in try Self.load(db, key: key) }
    }

    public func listMetadata(_ filter: ArchiveMetadataFilter) async throws -> (page: [ArchiveMetadata], total: Int) {
        let clause = ArchiveMetadataSQL.whereClause(filter, tables: .sqlite) { _ in "?" }
        let whereClause = clause.sql
        var bound = StatementArguments()
        for value in clause.values {
            switch value {
            case .text(let text): bound += [text]
            case .integer(let integer): bound += [integer]
            }
        }
        let arguments = bound
        return try await pool.read { db in
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM metadata m WHERE \(whereClause)", arguments: arguments) ?? 0
            let keys = try String.fetchAll(
                db, sql: "SELECT m.key FROM metadata m WHERE \(whereClause) ORDER BY m.key LIMIT ? OFFSET ?",
                arguments: arguments + [filter.limit, filter.offset])
            return (try keys.compactMap { try Self.load(db, key: $0) }, total)
        }
    }

    public func addPoint(key: String, eventType: String, ts: Int64, value: JSONValue) async throws
        -> ArchiveWriteOutcome
    {
        let point = ArchiveNewPoint(ts: ts, eventType: eventType, value: value)
        let stamp = now()
        return try await pool.write { db in
            let writer = ArchivePointWriter(rows: try SQLiteArchivePointRows(db: db, key: key), now: stamp)
            let outcome = try writer.write(point)
            try writer.finish()
            return outcome
        }
    }

    public func addPoints(key: String, points: [ArchiveNewPoint]) async throws -> ArchiveDuplicatePoint? {
        let stamp = now()
        return try await pool.write { db in
            let writer = ArchivePointWriter(rows: try SQLiteArchivePointRows(db: db, key: key), now: stamp)
            for point in points {
                do {
                    _ = try writer.write(point)
                } catch let duplicate as ArchiveDuplicatePoint {
                    // Earlier points stay: returning (not throwing) commits the transaction.
                    try writer.finish()
                    return duplicate
                }
            }
            try writer.finish()
            return nil
        }
    }

    public func points(_ query: ArchiveSeriesQuery) async throws -> [ArchivePoint] {
        try await pool.read { db in
            var sql = """
                SELECT ts, value FROM point
                WHERE metadata_key = ? AND event_type = ? AND summary_type = ? AND summary_window = ?
                """
            var arguments: StatementArguments = [
                query.key, query.eventType, query.summary.type.rawValue, query.summary.window,
            ]
            if let begin = query.time.begin {
                sql += " AND ts >= ?"
                arguments += [begin]
            }
            if let end = query.time.end {
                sql += " AND ts <= ?"
                arguments += [end]
            }
            sql += " ORDER BY ts LIMIT ? OFFSET ?"
            arguments += [query.limit, query.offset]
            // Cached (four SQL shapes at most) and read by column index: a day's GET is 1,440 rows.
            let rows = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
            var points: [ArchivePoint] = []
            points.reserveCapacity(min(query.limit, 4_096))
            var bytes = 0
            while bytes < query.maxBytes, let row = try rows.next() {
                let text: String = row[1]
                bytes += text.utf8.count
                points.append(ArchivePoint(ts: row[0], value: (try? ArchiveStoredValue.decode(text)) ?? .null))
            }
            return points
        }
    }

    /// A metadata with its event types sorted by name and summaries sorted, or nil.
    static func load(_ db: Database, key: String) throws -> ArchiveMetadata? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT subject_type, subject, parameters FROM metadata WHERE key = ?", arguments: [key])
        else { return nil }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT event_type, summary_type, summary_window, time_updated FROM event_type
                WHERE metadata_key = ? ORDER BY event_type, summary_type, summary_window
                """,
            arguments: [key])
        return ArchiveStoredMetadata.assemble(
            key: key, subjectType: row["subject_type"], subject: row["subject"], parameters: row["parameters"],
            rows: rows.map {
                ArchiveStoredMetadata.EventTypeRow(
                    eventType: $0["event_type"], summaryType: $0["summary_type"], summaryWindow: $0["summary_window"],
                    timeUpdated: $0["time_updated"])
            })
    }
}
