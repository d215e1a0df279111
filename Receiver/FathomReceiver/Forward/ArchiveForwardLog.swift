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
public final class ArchiveForwardLog: ForwardSource {
    var pool: DatabasePool { cursors.pool }
    public let stream = "archive"
    private let cursors: ForwardCursors

    public init(path: String) throws {
        // A plan or a cursor must survive a power cut like the points do (see SQLiteArchiveStore).
        cursors = try ForwardCursors(
            path: path, migrator: ArchiveMigrations.migrator, synchronousFull: true, log: "point_log", stream: "archive"
        )
    }

    /// Matches the log to the configured destinations: the trigger and a cursor for each (a new
    /// one starts at the beginning of the log), cursors of removed destinations dropped; with
    /// none, the trigger dropped and the log emptied.
    public func configure(destinations: [String]) async throws {
        try await pool.write { [cursors] db in
            if destinations.isEmpty {
                try db.execute(sql: "DROP TRIGGER IF EXISTS point_forward_log")
            } else {
                try db.execute(
                    sql: """
                        CREATE TRIGGER IF NOT EXISTS point_forward_log AFTER INSERT ON point
                        WHEN NEW.summary_type = 'base'
                        BEGIN
                            INSERT INTO point_log (metadata_key, event_type, ts) VALUES (NEW.metadata_key, NEW.event_type, NEW.ts);
                        END
                        """)
            }
            try cursors.configure(db, destinations: destinations)
        }
    }

    /// The planned batch not yet confirmed, else a new plan of up to `limit` points after the
    /// cursor (committed before it is returned); nil when nothing waits.
    public func nextBatch(destination: String, limit: Int = 2_000) async throws -> ArchiveForwardBatch? {
        try await pool.write { [cursors] db in
            guard let (done, through) = try cursors.plan(db, destination: destination, limit: limit) else { return nil }
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
                        value: (try? ArchiveStoredValue.decode(text)) ?? .null))
            }
            return batch
        }
    }

    /// The broker confirmed the batch up to `through`: the cursor moves there, the plan is
    /// cleared and the log behind every cursor deleted.
    public func complete(destination: String, through: Int64) async throws {
        try await cursors.complete(destination: destination, through: through)
    }

    /// Each destination's position and backlog (points logged after its cursor).
    public func status() async throws -> [ForwardStatus] {
        try await cursors.status()
    }

    public func nextBatch(for forward: ForwardSettings) async throws -> ForwardPlan? {
        guard let batch = try await nextBatch(destination: forward.name) else { return nil }
        return ForwardPlan(
            through: batch.through, messages: PSDataMessage.messages(for: batch, forward: forward),
            records: batch.points.count)
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
