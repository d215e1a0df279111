import FathomShared
import Logging
import PostgresNIO

/// `fathom-receiver reindex --store URL`: empties PostgreSQL's index tables and folds every stored
/// line again (lines stored before the index's migration, or by receivers with the index off).
///
/// One transaction that first locks the commit clock's row, so every receiver's next group waits
/// until the rebuild commits: no group is folded twice or missed. The lines are read through a
/// cursor in day-file order (cluster, host, day, then storage order) and folded with the
/// receivers' own `SampleFold`, written out in chunks cut only between host samples (a sample
/// split across two chunks would count its jobs, users and host twice).
///
/// ```swift
/// let lines = try await PostgresIndexRebuild.run(settings: StoreSettings(url: url), logger: logger)
/// ```
public enum PostgresIndexRebuild {
    /// Rows read per `FETCH`, and lines folded before a chunk is written.
    static let fetchRows = 20_000
    static let chunkLines = 200_000

    /// Rebuilds the index; returns the number of lines folded. Migrates the schema first, like a
    /// receiver (and refuses a newer one the same way).
    public static func run(settings: StoreSettings, logger: Logger) async throws -> Int {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let connection = try await connector.connect()
        do {
            _ = try await PostgresSchema.migrate(connection, logger: logger)
            let lines = try await rebuild(on: connection, logger: logger)
            try? await connection.close()
            return lines
        } catch let error as PostgresSchema.NewerSchema {
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): \(error)")
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): reindex failed: \(PostgresFailure(error))")
        }
    }

    private static func rebuild(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.query("BEGIN", logger: logger)
        try await connection.query("SELECT n FROM fathom_commit_clock FOR UPDATE", logger: logger)
        try await connection.query(
            """
            TRUNCATE fathom_host_sample, fathom_cluster_minute, fathom_job_minute, fathom_user_minute,
                     fathom_index_hosts
            """, logger: logger)
        try await connection.query(
            """
            DECLARE fathom_reindex NO SCROLL CURSOR FOR
            SELECT cluster, host, extract(epoch FROM time)::int8, line FROM fathom_samples
            ORDER BY cluster, host, day, seq
            """, logger: logger)
        var folder = ChunkFolder()
        while true {
            var rows: [(String, String, Int64, String)] = []
            for try await row in try await connection.query(
                PostgresQuery(unsafeSQL: "FETCH \(fetchRows) FROM fathom_reindex"), logger: logger
            ).decode((String, String, Int64, String).self) {
                rows.append(row)
            }
            if rows.isEmpty { break }
            for (cluster, host, time, line) in rows {
                if let full = folder.add(cluster: cluster, host: host, time: time, line: line) {
                    try await PostgresIndexRows(full).write(on: connection, logger: logger)
                }
            }
        }
        let last = folder.finish()
        if !last.isEmpty { try await PostgresIndexRows(last).write(on: connection, logger: logger) }
        try await connection.query("CLOSE fathom_reindex", logger: logger)
        try await connection.query("COMMIT", logger: logger)
        return folder.lines
    }

    /// Lines in, whole chunks of host samples out.
    struct ChunkFolder {
        /// Lines folded before a chunk is returned (at the next host sample).
        var chunkLines = PostgresIndexRebuild.chunkLines
        var fold = SampleFold()
        /// Lines of `cluster` not yet folded (folded together: the fold sums a sample's lines first).
        var pending: [UInt8] = []
        var pendingLines = 0
        var cluster = ""
        var sample: (host: String, time: Int64)?
        var lines = 0

        /// Adds one line; returns a chunk to write when this line starts a new host sample and
        /// the lines before it reached ``chunkLines``.
        mutating func add(cluster: String, host: String, time: Int64, line: String) -> SampleFold? {
            var full: SampleFold?
            if let sample, cluster != self.cluster || host != sample.host || time != sample.time {
                if cluster != self.cluster { foldPending() }
                if fold.lines + pendingLines >= chunkLines {
                    full = finish()
                }
            }
            self.cluster = cluster
            sample = (host, time)
            pending += line.utf8
            pending.append(UInt8(ascii: "\n"))
            pendingLines += 1
            return full
        }

        /// The fold of every line not yet returned.
        mutating func finish() -> SampleFold {
            foldPending()
            defer { fold = SampleFold() }
            lines += fold.lines
            return fold
        }

        private mutating func foldPending() {
            guard !pending.isEmpty else { return }
            fold.add(cluster: cluster, bytes: pending[...])
            pending.removeAll(keepingCapacity: true)
            pendingLines = 0
        }
    }
}
