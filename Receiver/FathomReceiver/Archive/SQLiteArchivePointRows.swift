import FathomShared
import GRDB

/// One metadata's rows in the SQLite archive, read and written as ``ArchivePointWriter`` asks,
/// on the caller's write transaction. Statements are prepared once per writer.
///
/// ```swift
/// let writer = ArchivePointWriter(rows: try SQLiteArchivePointRows(db: db, key: key), now: stamp)
/// ```
final class SQLiteArchivePointRows: ArchivePointRows {
    let db: Database
    let key: String
    private let insertNewStatement: Statement
    private let insertOrReplaceStatement: Statement
    private let select: Statement

    init(db: Database, key: String) throws {
        self.db = db
        self.key = key
        let columns = "(metadata_key, event_type, summary_type, summary_window, ts, value) VALUES (?, ?, ?, ?, ?, ?)"
        // Plain INSERT for numeric base points: the primary key itself detects the repeated
        // timestamp (esmond's 409), without a separate lookup per point.
        insertNewStatement = try db.cachedStatement(sql: "INSERT INTO point " + columns)
        insertOrReplaceStatement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point " + columns)
        select = try db.cachedStatement(
            sql: """
                SELECT value FROM point
                WHERE metadata_key = ? AND event_type = ? AND summary_type = ? AND summary_window = ? AND ts = ?
                """)
    }

    func registeredSummaries(_ eventType: String) throws -> [ArchiveSummary]? {
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT summary_type, summary_window FROM event_type WHERE metadata_key = ? AND event_type = ?"),
            arguments: [key, eventType])
        guard !rows.isEmpty else { return nil }
        return rows.compactMap { row -> ArchiveSummary? in
            ArchiveSummaryType(rawValue: row["summary_type"]).map { ArchiveSummary($0, row["summary_window"]) }
        }.filter { $0.type != .base }.sorted()
    }

    func storedValue(_ bin: ArchiveSeriesBin) throws -> JSONValue? {
        let text = try String.fetchOne(
            select, arguments: [key, bin.eventType, bin.summary.type.rawValue, bin.summary.window, bin.ts])
        return try text.map(ArchiveStoredValue.decode)
    }

    func insertNew(_ bin: ArchiveSeriesBin, value: JSONValue) throws -> Bool {
        do {
            try execute(insertNewStatement, bin, value)
            return true
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return false
        }
    }

    func insertOrReplace(_ bin: ArchiveSeriesBin, value: JSONValue) throws {
        try execute(insertOrReplaceStatement, bin, value)
    }

    func touch(_ eventTypes: Set<String>, now: Int64) throws {
        let statement = try db.cachedStatement(
            sql: "UPDATE event_type SET time_updated = ? WHERE metadata_key = ? AND event_type = ?")
        for eventType in eventTypes { try statement.execute(arguments: [now, key, eventType]) }
    }

    private func execute(_ statement: Statement, _ bin: ArchiveSeriesBin, _ value: JSONValue) throws {
        try statement.execute(
            arguments: [
                key, bin.eventType, bin.summary.type.rawValue, bin.summary.window, bin.ts, JSONText.string(value),
            ]
        )
    }
}
