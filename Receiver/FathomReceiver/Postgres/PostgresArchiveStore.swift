import FathomShared
import Logging
import PostgresNIO

/// The measurement archive on the store's PostgreSQL database, so every receiver of a site serves
/// the same archive (API keys stay in files). The same behaviour as `SQLiteArchiveStore`: the
/// folding rules are the shared ``ArchivePointWriter``'s, the filters ``ArchiveMetadataSQL``'s.
///
/// Metadata posted through several receivers at once gets one key: the checksum is UNIQUE and
/// the insert `ON CONFLICT DO NOTHING`, so the second insert waits for the first and then finds
/// its row. Points of one metadata are written under that metadata's row lock (`FOR UPDATE`),
/// because summaries are read, folded and written back: two receivers take turns per metadata.
///
/// ```swift
/// let archive = try await PostgresArchiveStore.open(settings: StoreSettings(url: url), logger: logger)
/// let (metadata, created) = try await archive.createOrGetMetadata(input)
/// await archive.close()
/// ```
public final class PostgresArchiveStore: ArchiveStore {
    let pool: PostgresConnectionPool
    let logger: Logger
    /// Unix seconds for `time-updated`; injectable so tests can place writes in time.
    let now: @Sendable () -> Int64

    /// Connects, applies the schema's migrations (refusing a schema newer than this receiver knows).
    public static func open(
        settings: StoreSettings, logger: Logger, connections: Int = 8,
        now: @escaping @Sendable () -> Int64 = SQLiteArchiveStore.systemNow
    ) async throws -> PostgresArchiveStore {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let (connection, _, _) = try await PostgresSchema.connect(connector)
        return PostgresArchiveStore(
            pool: PostgresConnectionPool(connector: connector, limit: connections, first: connection), logger: logger,
            now: now)
    }

    private init(pool: PostgresConnectionPool, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.pool = pool
        self.logger = logger
        self.now = now
    }

    public func close() async { await pool.close() }

    public func createOrGetMetadata(_ input: ArchiveMetadataInput) async throws -> (
        metadata: ArchiveMetadata, created: Bool
    ) {
        let checksum = input.checksum
        let key = ArchiveStoredMetadata.randomKey()
        let columns = PostgresArchiveSQL.subjectColumns.map { input.subject[$0.field] ?? "" }
        return try await transaction { [logger] connection in
            var inserted = false
            for try await _ in try await connection.query(
                PostgresArchiveSQL.insertMetadata(
                    key: key, checksum: checksum, subjectType: input.subjectType.rawValue,
                    subject: ArchiveStoredMetadata.json(input.subject),
                    parameters: ArchiveStoredMetadata.json(input.parameters), columns: columns),
                logger: logger
            ).decode(String.self) {
                inserted = true
            }
            guard inserted else {
                // Another receiver (or request) stored it first; its row is committed by now.
                var existing: String?
                for try await found in try await connection.query(
                    "SELECT key FROM fathom_archive_metadata WHERE checksum = \(checksum)", logger: logger
                ).decode(String.self) {
                    existing = found
                }
                guard let existing,
                    let metadata = try await Self.load([existing], on: connection, logger: logger)[existing]
                else { throw PostgresArchiveSQL.Vanished(checksum: checksum) }
                return (metadata, false)
            }
            let names = input.parameters.keys.sorted()
            if !names.isEmpty {
                let values = names.map { input.parameters[$0]! }
                try await connection.query(
                    """
                    INSERT INTO fathom_archive_parameter (metadata_key, name, value)
                    SELECT \(key), n, v FROM unnest(\(names)::text[], \(values)::text[]) AS x(n, v)
                    """, logger: logger)
            }
            var eventTypes: [String] = []
            var types: [String] = []
            var windows: [Int64] = []
            for entry in input.eventTypes {
                for summary in [ArchiveSummary(.base, 0)] + entry.summaries {
                    eventTypes.append(entry.eventType)
                    types.append(summary.type.rawValue)
                    windows.append(summary.window)
                }
            }
            if !eventTypes.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO fathom_archive_event_type (metadata_key, event_type, summary_type, summary_window)
                    SELECT \(key), e, t, w FROM unnest(\(eventTypes)::text[], \(types)::text[], \(windows)::int8[])
                         AS x(e, t, w)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            guard let metadata = try await Self.load([key], on: connection, logger: logger)[key] else {
                throw PostgresArchiveSQL.Vanished(checksum: checksum)
            }
            return (metadata, true)
        }
    }

    public func metadata(key: String) async throws -> ArchiveMetadata? {
        try await pool.withConnection { [logger] connection in
            try await Self.load([key], on: connection, logger: logger)[key]
        }
    }

    public func listMetadata(_ filter: ArchiveMetadataFilter) async throws -> (page: [ArchiveMetadata], total: Int) {
        let clause = ArchiveMetadataSQL.whereClause(filter, tables: PostgresArchiveSchema.tables) { "$\($0)" }
        var binds = PostgresBindings()
        for value in clause.values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let integer): binds.append(integer)
            }
        }
        let countQuery = PostgresQuery(
            unsafeSQL: "SELECT count(*) FROM fathom_archive_metadata m WHERE \(clause.sql)", binds: binds)
        var pageBinds = binds
        pageBinds.append(Int64(filter.limit))
        pageBinds.append(Int64(filter.offset))
        let pageQuery = PostgresQuery(
            unsafeSQL: """
                SELECT m.key FROM fathom_archive_metadata m WHERE \(clause.sql)
                ORDER BY m.key COLLATE "C" LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)
                """, binds: pageBinds)
        return try await pool.withConnection { [logger] connection in
            var total: Int64 = 0
            for try await count in try await connection.query(countQuery, logger: logger).decode(Int64.self) {
                total = count
            }
            var keys: [String] = []
            for try await key in try await connection.query(pageQuery, logger: logger).decode(String.self) {
                keys.append(key)
            }
            let loaded = try await Self.load(keys, on: connection, logger: logger)
            return (keys.compactMap { loaded[$0] }, Int(total))
        }
    }

    public func addPoint(key: String, eventType: String, ts: Int64, value: JSONValue) async throws
        -> ArchiveWriteOutcome
    {
        let point = ArchiveNewPoint(ts: ts, eventType: eventType, value: value)
        let stamp = now()
        // A duplicate thrown here rolls the transaction back: nothing else was written in it.
        return try await transaction { [logger] connection in
            guard try await Self.lock(key, on: connection, logger: logger) else { return .dropped }
            let rows = try await PostgresArchivePointRows.load(
                key: key, points: [point], on: connection, logger: logger)
            let writer = ArchivePointWriter(rows: rows, now: stamp)
            let outcome = try writer.write(point)
            try writer.finish()
            try await rows.flush(on: connection, logger: logger)
            return outcome
        }
    }

    public func addPoints(key: String, points: [ArchiveNewPoint]) async throws -> ArchiveDuplicatePoint? {
        let stamp = now()
        return try await transaction { [logger] connection in
            guard try await Self.lock(key, on: connection, logger: logger) else { return nil }
            let rows = try await PostgresArchivePointRows.load(key: key, points: points, on: connection, logger: logger)
            let writer = ArchivePointWriter(rows: rows, now: stamp)
            var duplicate: ArchiveDuplicatePoint?
            for point in points {
                do {
                    _ = try writer.write(point)
                } catch let found as ArchiveDuplicatePoint {
                    // Earlier points stay: the transaction commits with them.
                    duplicate = found
                    break
                }
            }
            try writer.finish()
            try await rows.flush(on: connection, logger: logger)
            return duplicate
        }
    }

    public func points(_ query: ArchiveSeriesQuery) async throws -> [ArchivePoint] {
        var binds = PostgresBindings()
        binds.append(query.key)
        binds.append(query.eventType)
        binds.append(query.summary.type.rawValue)
        binds.append(query.summary.window)
        var sql = """
            SELECT ts, value FROM fathom_archive_point
            WHERE metadata_key = $1 AND event_type = $2 AND summary_type = $3 AND summary_window = $4
            """
        if let begin = query.time.begin {
            binds.append(begin)
            sql += " AND ts >= $\(binds.count)"
        }
        if let end = query.time.end {
            binds.append(end)
            sql += " AND ts <= $\(binds.count)"
        }
        binds.append(Int64(query.limit))
        binds.append(Int64(query.offset))
        sql += " ORDER BY ts LIMIT $\(binds.count - 1) OFFSET $\(binds.count)"
        // The page comes back as one row of two arrays: decoding 1,440 rows one by one (a day's
        // GET) cost several times what the query itself did.
        let statement = PostgresQuery(
            unsafeSQL: """
                SELECT coalesce(array_agg(ts ORDER BY ts), '{}'), coalesce(array_agg(value ORDER BY ts), '{}')
                FROM (\(sql)) page
                """, binds: binds)
        return try await pool.withConnection { [logger] connection in
            var times: [Int64] = []
            var texts: [String] = []
            for try await (ts, value) in try await connection.query(statement, logger: logger).decode(
                ([Int64], [String]).self)
            {
                times = ts
                texts = value
            }
            var points: [ArchivePoint] = []
            points.reserveCapacity(times.count)
            var bytes = 0
            for (ts, text) in zip(times, texts) where bytes < query.maxBytes {
                bytes += text.utf8.count
                points.append(ArchivePoint(ts: ts, value: (try? ArchiveStoredValue.decode(text)) ?? .null))
            }
            return points
        }
    }

    /// Runs `body` in one transaction on a lent connection: committed when it returns, rolled
    /// back when it throws (a connection that is lost, or cannot even roll back, is closed, not
    /// lent again; nothing is sent on a lost one, see `PostgresFailure.lostConnection`).
    private func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await pool.withConnection { [logger] connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                if PostgresFailure.endsSession(error, on: connection) {
                    try? await connection.close()
                    throw error
                }
                do {
                    try await connection.query("ROLLBACK", logger: logger)
                } catch {
                    try? await connection.close()
                }
                throw error
            }
        }
    }

    /// Takes the metadata's row lock for this transaction; false when there is no such metadata.
    private static func lock(_ key: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var found = false
        for try await _ in try await connection.query(
            "SELECT key FROM fathom_archive_metadata WHERE key = \(key) FOR UPDATE", logger: logger
        ).decode(String.self) {
            found = true
        }
        return found
    }

    /// The metadata of `keys` that exist, event types sorted by name and summaries sorted.
    static func load(
        _ keys: [String], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: ArchiveMetadata] {
        guard !keys.isEmpty else { return [:] }
        var rows: [String: [ArchiveStoredMetadata.EventTypeRow]] = [:]
        for try await (key, eventType, type, window, updated) in try await connection.query(
            """
            SELECT metadata_key, event_type, summary_type, summary_window, time_updated
            FROM fathom_archive_event_type WHERE metadata_key = ANY(\(keys)::text[])
            ORDER BY metadata_key, event_type COLLATE "C", summary_type COLLATE "C", summary_window
            """, logger: logger
        ).decode((String, String, String, Int64, Int64?).self) {
            rows[key, default: []].append(
                .init(eventType: eventType, summaryType: type, summaryWindow: window, timeUpdated: updated))
        }
        var metadata: [String: ArchiveMetadata] = [:]
        for try await (key, subjectType, subject, parameters) in try await connection.query(
            """
            SELECT key, subject_type, subject, parameters FROM fathom_archive_metadata
            WHERE key = ANY(\(keys)::text[])
            """, logger: logger
        ).decode((String, String, String, String).self) {
            metadata[key] = ArchiveStoredMetadata.assemble(
                key: key, subjectType: subjectType, subject: subject, parameters: parameters, rows: rows[key] ?? [])
        }
        return metadata
    }
}
