import GRDB

/// The cursor rules every forwarded stream shares, over a log table with an `AUTOINCREMENT`
/// `seq` and a `forward_cursor (destination, stream, done_seq, plan_to)` table in the same
/// database: a destination's next range is planned (`plan_to` committed) before it is sent, its
/// cursor moves to the plan only after the broker confirmed it, and log rows behind every
/// cursor are deleted.
struct ForwardCursors: Sendable {
    /// The cursor table, created by each database's forwarding migration.
    static let createTable = """
        CREATE TABLE forward_cursor (
            destination TEXT NOT NULL,
            stream TEXT NOT NULL,
            done_seq INTEGER NOT NULL,
            plan_to INTEGER,
            PRIMARY KEY (destination, stream)
        ) WITHOUT ROWID;
        """

    /// The database holding the log, its data and the cursors.
    let pool: DatabasePool
    /// The log table (`point_log`, `sample_log`, `interface_log`).
    let log: String
    /// The stream name stored with each cursor.
    let stream: String

    /// Opens the stream's database (busy timeout 5 s; `synchronousFull` where the store commits at
    /// FULL, so a plan or cursor is as durable as the data) and brings its schema up to date.
    init(path: String, migrator: DatabaseMigrator, synchronousFull: Bool, log: String, stream: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        if synchronousFull {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        try migrator.migrate(pool)
        self.log = log
        self.stream = stream
    }

    /// The broker confirmed everything up to `through` (its own transaction).
    func complete(destination: String, through: Int64) async throws {
        try await pool.write { [self] db in try complete(db, destination: destination, through: through) }
    }

    /// Each destination's position and backlog.
    func status() async throws -> [ForwardStatus] {
        try await pool.read { [self] db in try status(db) }
    }

    /// A cursor for each destination (a new one starts at the log's beginning); cursors of other
    /// destinations removed.
    func configure(_ db: Database, destinations: [String]) throws {
        let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
        let others = destinations.isEmpty ? "" : " AND destination NOT IN (\(marks))"
        try db.execute(
            sql: "DELETE FROM forward_cursor WHERE stream = ?" + others,
            arguments: StatementArguments([stream] + destinations))
        for destination in destinations {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO forward_cursor (destination, stream, done_seq, plan_to)
                    VALUES (?, ?, COALESCE((SELECT MIN(seq) - 1 FROM \(log)), 0), NULL)
                    """,
                arguments: [destination, stream])
        }
        if destinations.isEmpty { try db.execute(sql: "DELETE FROM \(log)") }
        try trim(db)
    }

    /// `(after, through]`: the plan not yet confirmed, else a new one of up to `limit` rows
    /// (written before it is returned); nil when nothing waits.
    func plan(_ db: Database, destination: String, limit: Int) throws -> (after: Int64, through: Int64)? {
        guard
            let cursor = try Row.fetchOne(
                db, sql: "SELECT done_seq, plan_to FROM forward_cursor WHERE destination = ? AND stream = ?",
                arguments: [destination, stream])
        else { throw ForwardError("no \(stream) cursor for destination \(destination)") }
        let done: Int64 = cursor["done_seq"]
        if let planned: Int64 = cursor["plan_to"] { return (done, planned) }
        guard
            let through = try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM (SELECT seq FROM \(log) WHERE seq > ? ORDER BY seq LIMIT ?)",
                arguments: [done, limit])
        else { return nil }
        try db.execute(
            sql: "UPDATE forward_cursor SET plan_to = ? WHERE destination = ? AND stream = ?",
            arguments: [through, destination, stream])
        return (done, through)
    }

    /// The broker confirmed everything up to `through`.
    func complete(_ db: Database, destination: String, through: Int64) throws {
        try db.execute(
            sql: "UPDATE forward_cursor SET done_seq = ?, plan_to = NULL WHERE destination = ? AND stream = ?",
            arguments: [through, destination, stream])
        try trim(db)
    }

    func status(_ db: Database) throws -> [ForwardStatus] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT c.destination, c.done_seq, c.plan_to,
                    (SELECT COUNT(*) FROM \(log) l WHERE l.seq > c.done_seq) AS backlog,
                    (SELECT MAX(seq) FROM \(log)) AS newest
                FROM forward_cursor c WHERE c.stream = ? ORDER BY c.destination
                """,
            arguments: [stream])
        return rows.map { row in
            ForwardStatus(
                destination: row["destination"], stream: stream, doneSeq: row["done_seq"], plannedTo: row["plan_to"],
                backlog: row["backlog"], newestSeq: row["newest"])
        }
    }

    private func trim(_ db: Database) throws {
        try db.execute(
            sql: "DELETE FROM \(log) WHERE seq <= (SELECT MIN(done_seq) FROM forward_cursor WHERE stream = ?)",
            arguments: [stream])
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

/// What a forwarded stream offers the `Forwarder`: the next planned range as messages, and its
/// confirmation.
public protocol ForwardSource: Sendable {
    /// The stream's name (`archive`, `samples`).
    var stream: String { get }
    /// The planned range not yet confirmed, else a new plan, as messages; nil when nothing waits.
    func nextBatch(for forward: ForwardSettings) async throws -> ForwardPlan?
    func complete(destination: String, through: Int64) async throws
    func status() async throws -> [ForwardStatus]
}

/// A planned range ready to publish: its end, its messages and how many records they carry.
public struct ForwardPlan: Sendable {
    public var through: Int64
    public var messages: [AMQPMessage]
    public var records: Int
}
