import FathomShared
import GRDB

/// The archive's side of forwarding: base points in commit order (`point_log`, filled by a
/// trigger on `point`) and one durable cursor per destination, in the archive's own SQLite file.
///
/// A batch is planned before it is sent: the cursor's `plan_to` (the last sequence number of the
/// batch) is committed first, so after a crash or a broker outage the same range is sent again,
/// cut into the same messages with the same ids; only after the broker confirmed every message
/// does ``complete(destination:through:)`` move `done_seq` to it. The log behind the slowest
/// cursor is deleted then. The trigger exists only while some destination forwards the archive:
/// points stored while none did are not forwarded later.
///
/// ```swift
/// let log = try ArchiveForwardLog(path: "/var/lib/fathom/archive.sqlite")
/// try await log.configure(destinations: ["psdata"])
/// if let batch = try await log.nextBatch(destination: "psdata") { …publish…; try await log.complete(destination: "psdata", through: batch.through) }
/// ```
public final class ArchiveForwardLog: Sendable {
    let pool: DatabasePool
    static let stream = "archive"

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        // A plan or a cursor must survive a power cut like the points do (see SQLiteArchiveStore).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try ArchiveMigrations.migrator.migrate(pool)
    }

    /// Matches the log to the configured destinations: the trigger and a cursor for each (a new
    /// one starts at the beginning of the log), cursors of removed destinations dropped; with
    /// none, the trigger dropped and the log emptied.
    public func configure(destinations: [String]) async throws {
        try await pool.write { db in
            if destinations.isEmpty {
                try db.execute(sql: "DROP TRIGGER IF EXISTS point_forward_log")
                try db.execute(sql: "DELETE FROM point_log")
                try db.execute(sql: "DELETE FROM forward_cursor WHERE stream = ?", arguments: [Self.stream])
                return
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER IF NOT EXISTS point_forward_log AFTER INSERT ON point
                    WHEN NEW.summary_type = 'base'
                    BEGIN
                        INSERT INTO point_log (metadata_key, event_type, ts) VALUES (NEW.metadata_key, NEW.event_type, NEW.ts);
                    END
                    """)
            let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
            try db.execute(
                sql: "DELETE FROM forward_cursor WHERE stream = ? AND destination NOT IN (\(marks))",
                arguments: StatementArguments([Self.stream] + destinations))
            for destination in destinations {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO forward_cursor (destination, stream, done_seq, plan_to)
                        VALUES (?, ?, COALESCE((SELECT MIN(seq) - 1 FROM point_log), 0), NULL)
                        """,
                    arguments: [destination, Self.stream])
            }
            try Self.trim(db)
        }
    }

    /// The planned batch not yet confirmed, else a new plan of up to `limit` points after the
    /// cursor (committed before it is returned); nil when nothing waits.
    public func nextBatch(destination: String, limit: Int = 2_000) async throws -> ArchiveForwardBatch? {
        try await pool.write { db in
            guard
                let cursor = try Row.fetchOne(
                    db, sql: "SELECT done_seq, plan_to FROM forward_cursor WHERE destination = ? AND stream = ?",
                    arguments: [destination, Self.stream])
            else { throw ForwardError("no cursor for destination \(destination)") }
            let done: Int64 = cursor["done_seq"]
            var through: Int64? = cursor["plan_to"]
            if through == nil {
                through = try Int64.fetchOne(
                    db,
                    sql: "SELECT MAX(seq) FROM (SELECT seq FROM point_log WHERE seq > ? ORDER BY seq LIMIT ?)",
                    arguments: [done, limit])
                guard let planned = through else { return nil }
                try db.execute(
                    sql: "UPDATE forward_cursor SET plan_to = ? WHERE destination = ? AND stream = ?",
                    arguments: [planned, destination, Self.stream])
            }
            guard let through else { return nil }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.seq, l.metadata_key, l.event_type, l.ts, p.value FROM point_log l
                    JOIN point p ON p.metadata_key = l.metadata_key AND p.event_type = l.event_type
                        AND p.summary_type = 'base' AND p.summary_window = 0 AND p.ts = l.ts
                    WHERE l.seq > ? AND l.seq <= ? ORDER BY l.seq
                    """,
                arguments: [done, through])
            var batch = ArchiveForwardBatch(after: done, through: through)
            for row in rows {
                let key: String = row[1]
                if batch.metadata[key] == nil, let metadata = try SQLiteArchiveStore.load(db, key: key) {
                    batch.metadata[key] = metadata
                }
                let text: String = row[4]
                batch.points.append(
                    ArchiveForwardBatch.Point(
                        seq: row[0], key: key, eventType: row[2], ts: row[3],
                        value: (try? ArchivePointWriter.decode(text)) ?? .null))
            }
            return batch
        }
    }

    /// The broker confirmed the batch up to `through`: the cursor moves there, the plan is
    /// cleared and the log behind every cursor deleted.
    public func complete(destination: String, through: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE forward_cursor SET done_seq = ?, plan_to = NULL WHERE destination = ? AND stream = ?",
                arguments: [through, destination, Self.stream])
            try Self.trim(db)
        }
    }

    /// Each destination's position and backlog (points logged after its cursor).
    public func status() async throws -> [ForwardStatus] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.destination, c.done_seq, c.plan_to,
                        (SELECT COUNT(*) FROM point_log l WHERE l.seq > c.done_seq) AS backlog,
                        (SELECT MAX(seq) FROM point_log) AS newest
                    FROM forward_cursor c WHERE c.stream = ? ORDER BY c.destination
                    """,
                arguments: [Self.stream])
            return rows.map { row in
                ForwardStatus(
                    destination: row["destination"], stream: Self.stream, doneSeq: row["done_seq"],
                    plannedTo: row["plan_to"], backlog: row["backlog"], newestSeq: row["newest"])
            }
        }
    }

    private static func trim(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM point_log WHERE seq <= (SELECT MIN(done_seq) FROM forward_cursor WHERE stream = ?)
                """,
            arguments: [stream])
    }
}

/// A planned range of the archive log, `(after, through]`, with the points still stored and the
/// metadata they belong to.
public struct ArchiveForwardBatch: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var seq: Int64
        public var key: String
        public var eventType: String
        public var ts: Int64
        public var value: JSONValue

        public init(seq: Int64, key: String, eventType: String, ts: Int64, value: JSONValue) {
            self.seq = seq
            self.key = key
            self.eventType = eventType
            self.ts = ts
            self.value = value
        }
    }

    public var after: Int64
    public var through: Int64
    public var points: [Point] = []
    public var metadata: [String: ArchiveMetadata] = [:]

    public init(after: Int64, through: Int64) {
        self.after = after
        self.through = through
    }
}

/// Where one destination's forwarding of one stream stands (`fathom-receiver forward-status`).
public struct ForwardStatus: Sendable, Equatable {
    public var destination: String
    public var stream: String
    /// The last sequence number the broker confirmed.
    public var doneSeq: Int64
    /// The end of a batch sent but not yet confirmed.
    public var plannedTo: Int64?
    /// Records stored and not yet confirmed.
    public var backlog: Int
    public var newestSeq: Int64?
}
