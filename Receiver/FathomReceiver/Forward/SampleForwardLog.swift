import FathomShared
import GRDB

/// The samples' side of forwarding: every span of a day file the ingest index folds (after the
/// span is durable, before its upload is answered) is logged in `sample_log` by triggers on the
/// index's `file_mark`, in the same transaction as the mark; so a span the index repairs after a
/// crash is logged too. Cursors and plans as for the archive (`ForwardCursors`). A message is one
/// span: the lines one group commit appended to one host's day file, read back from the file.
///
/// The index commits at `synchronous = NORMAL`: a power cut (not a process crash) can roll a
/// cursor back, and the span is then sent again under the same id.
///
/// ```swift
/// let log = try SampleForwardLog(path: data + "/.fathom/index.sqlite", dataDirectory: data)
/// try await log.configure(destinations: ["psdata"])
/// ```
public final class SampleForwardLog: ForwardSource {
    var pool: DatabasePool { cursors.pool }
    let dataDirectory: String
    public let stream = "samples"
    private let cursors: ForwardCursors

    public init(path: String, dataDirectory: String) throws {
        self.dataDirectory = dataDirectory
        // The index's own durability (NORMAL, see above).
        cursors = try ForwardCursors(
            path: path, migrator: SampleIndexSchema.migrator, synchronousFull: false, log: "sample_log",
            stream: "samples")
    }

    static func dropTriggers(_ db: Database) throws {
        try db.execute(sql: "DROP TRIGGER IF EXISTS file_mark_forward_insert")
        try db.execute(sql: "DROP TRIGGER IF EXISTS file_mark_forward_update")
    }

    /// Triggers and cursors for the destinations; with none, the triggers dropped and the log emptied.
    public func configure(destinations: [String]) async throws {
        try await pool.write { [cursors] db in
            if destinations.isEmpty {
                try Self.dropTriggers(db)
            } else {
                try db.execute(
                    sql: """
                        CREATE TRIGGER IF NOT EXISTS file_mark_forward_insert AFTER INSERT ON file_mark
                        BEGIN
                            INSERT INTO sample_log (path, offset, length) VALUES (NEW.path, 0, NEW.folded_to);
                        END;
                        CREATE TRIGGER IF NOT EXISTS file_mark_forward_update AFTER UPDATE OF folded_to ON file_mark
                        WHEN NEW.folded_to > OLD.folded_to
                        BEGIN
                            INSERT INTO sample_log (path, offset, length)
                            VALUES (NEW.path, OLD.folded_to, NEW.folded_to - OLD.folded_to);
                        END;
                        """)
            }
            try cursors.configure(db, destinations: destinations)
        }
    }

    public func nextBatch(for forward: ForwardSettings) async throws -> ForwardPlan? {
        let spans: (through: Int64, rows: [(seq: Int64, path: String, offset: Int64, length: Int64)])? =
            try await pool.write { [cursors] db in
                guard let (after, through) = try cursors.plan(db, destination: forward.name, limit: 200) else {
                    return nil
                }
                let rows = try Row.fetchAll(
                    db, sql: "SELECT seq, path, offset, length FROM sample_log WHERE seq > ? AND seq <= ? ORDER BY seq",
                    arguments: [after, through])
                return (through, rows.map { ($0[0], $0[1], $0[2], $0[3]) })
            }
        guard let spans else { return nil }
        var messages: [AMQPMessage] = []
        for span in spans.rows {
            let bytes = try await BlockingWork.run { [dataDirectory] () throws(StorageError) in
                try DayFileBytes.read(dataDirectory + "/" + span.path, from: span.offset, to: span.offset + span.length)
            }
            messages.append(SampleMessage.message(path: span.path, offset: span.offset, bytes: bytes, forward: forward))
        }
        return ForwardPlan(through: spans.through, messages: messages, records: messages.count)
    }

    public func complete(destination: String, through: Int64) async throws {
        try await cursors.complete(destination: destination, through: through)
    }

    public func status() async throws -> [ForwardStatus] {
        try await cursors.status()
    }
}
