import FathomShared
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The sample index on PostgreSQL: the embedded index's tables (per host sample, and per minute
/// for each cluster, job and user), written by every receiver inside its group transactions
/// (``PostgresIndexRows``), so every receiver on the database serves Grafana the same series.
///
/// Reads are `SampleIndex+Queries`' SQL on these tables: buckets counted from the query's `from`,
/// the mean of each bucket's rows, names ordered by their bytes (`COLLATE "C"`, SQLite's order).
/// They run on connections of their own (a few kept open between requests), never on the
/// connection the group commits use; a kept connection the database dropped is replaced once.
///
/// ```swift
/// let index = PostgresSampleIndex(connector: connector)
/// let cpu = try await index.series(IndexSeriesQuery(scope: .cluster("fox"), quantity: .cpuPercent,
///                                                   from: t0, to: t0 + 3600, bucketSeconds: 60))
/// await index.close()
/// ```
public final class PostgresSampleIndex: SampleSeriesIndex {
    /// The index tables: one migration appended to ``PostgresSchema/migrations``. Not partitioned
    /// by day (a day of a 1,000-node cluster is a few million host rows at most).
    static let migration: [String] = {
        let usage =
            "cpu float8 NOT NULL, cpukib int8 NOT NULL, rssanonkib int8 NOT NULL, "
            + "gpu float8 NOT NULL, gpumem float8 NOT NULL, gpukib int8 NOT NULL, processes int8 NOT NULL"
        return [
            """
            CREATE TABLE fathom_host_sample (
                cluster text NOT NULL, host text NOT NULL, time int8 NOT NULL, \(usage),
                jobs int8 NOT NULL, users int8 NOT NULL,
                PRIMARY KEY (cluster, host, time))
            """,
            """
            CREATE TABLE fathom_cluster_minute (
                cluster text NOT NULL, minute int8 NOT NULL, \(usage), hosts int8 NOT NULL,
                PRIMARY KEY (cluster, minute))
            """,
            """
            CREATE TABLE fathom_job_minute (
                cluster text NOT NULL, job text NOT NULL, minute int8 NOT NULL, "user" text NOT NULL, \(usage),
                PRIMARY KEY (cluster, job, minute))
            """,
            "CREATE INDEX fathom_job_minute_by_time ON fathom_job_minute (cluster, minute)",
            """
            CREATE TABLE fathom_user_minute (
                cluster text NOT NULL, "user" text NOT NULL, minute int8 NOT NULL, \(usage),
                PRIMARY KEY (cluster, "user", minute))
            """,
            // The hosts Grafana's editor lists, without scanning the host rows.
            "CREATE TABLE fathom_index_hosts (cluster text NOT NULL, host text NOT NULL, PRIMARY KEY (cluster, host))",
        ]
    }()

    let connector: PostgresConnector
    /// Connections kept for the next read.
    private let idle = Mutex<[PostgresConnection]>([])
    static let maxIdle = 4

    init(connector: PostgresConnector) {
        self.connector = connector
    }

    public func series(_ q: IndexSeriesQuery) async throws -> [IndexPoint] {
        guard q.quantity.applies(to: q.scope) else { return [] }
        let (table, time, filter, names): (String, String, String, [String])
        switch q.scope {
        case .host(let cluster, let host):
            (table, time, filter, names) = (
                "fathom_host_sample", "time", "cluster = $1 AND host = $2", [cluster, host]
            )
        case .cluster(let cluster):
            (table, time, filter, names) = ("fathom_cluster_minute", "minute", "cluster = $1", [cluster])
        case .job(let cluster, let job):
            (table, time, filter, names) = ("fathom_job_minute", "minute", "cluster = $1 AND job = $2", [cluster, job])
        case .user(let cluster, let user):
            (table, time, filter, names) = (
                "fathom_user_minute", "minute", "cluster = $1 AND \"user\" = $2", [cluster, user]
            )
        }
        var binds = PostgresBindings()
        for name in names { binds.append(name) }
        // The numbers are Int64s written as literals (as SampleIndex does), the names are bound.
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT ((\(time) - (\(q.from))) / \(q.bucketSeconds)) * \(q.bucketSeconds) + (\(q.from)) AS bucket,
                       avg(\(q.quantity.rawValue))::float8
                FROM \(table) WHERE \(filter) AND \(time) >= (\(q.from)) AND \(time) < (\(q.to))
                GROUP BY bucket ORDER BY bucket
                """,
            binds: binds)
        return try await withConnection { [logger = connector.logger] connection in
            var points: [IndexPoint] = []
            for try await (bucket, value) in try await connection.query(query, logger: logger).decode(
                (Int64, Double).self)
            {
                points.append(IndexPoint(time: bucket, value: value))
            }
            return points
        }
    }

    public func topJobs(cluster: String, from: Int64, to: Int64, limit: Int) async throws -> [IndexJobUsage] {
        let query: PostgresQuery = """
            SELECT job, max("user" COLLATE "C"), avg(cpu)::float8 AS mean_cpu, max(cpu), max(rssanonkib),
                   avg(gpu)::float8, count(*)
            FROM fathom_job_minute WHERE cluster = \(cluster) AND minute >= \(from) AND minute < \(to)
            GROUP BY job ORDER BY mean_cpu DESC, job COLLATE "C" LIMIT \(Int64(limit))
            """
        return try await withConnection { [logger = connector.logger] connection in
            var rows: [IndexJobUsage] = []
            for try await (job, user, meanCPU, peakCPU, peakRSS, meanGPU, minutes) in try await connection.query(
                query, logger: logger
            ).decode((String, String, Double, Double, Int64, Double, Int64).self) {
                rows.append(
                    IndexJobUsage(
                        job: job, user: user, meanCPUPercent: meanCPU, peakCPUPercent: peakCPU, peakRSSAnonKiB: peakRSS,
                        meanGPUPercent: meanGPU, minutes: minutes))
            }
            return rows
        }
    }

    public func clusters() async throws -> [String] {
        try await strings("SELECT DISTINCT cluster FROM fathom_index_hosts").sorted()
    }

    public func hosts(cluster: String) async throws -> [String] {
        try await strings("SELECT host FROM fathom_index_hosts WHERE cluster = \(cluster)").sorted()
    }

    public func names(_ column: IndexNameColumn, cluster: String, from: Int64, to: Int64, limit: Int) async throws
        -> [String]
    {
        try await strings(
            """
            SELECT DISTINCT \(unescaped: "\"\(column.rawValue)\"") COLLATE "C" FROM fathom_job_minute
            WHERE cluster = \(cluster) AND minute >= \(from) AND minute < \(to) ORDER BY 1 LIMIT \(Int64(limit))
            """)
    }

    /// Deletes the index rows of the days before `cutoff` (`YYYY-MM-DD`, UTC), and the hosts left
    /// with none (`prune`, in its transaction).
    static func delete(before cutoff: String, on connection: PostgresConnection, logger: Logger) async throws {
        for (table, time) in [
            ("fathom_host_sample", "time"), ("fathom_cluster_minute", "minute"), ("fathom_job_minute", "minute"),
            ("fathom_user_minute", "minute"),
        ] {
            try await connection.query(
                "DELETE FROM \(unescaped: table) WHERE \(unescaped: time) < extract(epoch FROM \(cutoff)::date)::int8",
                logger: logger)
        }
        try await connection.query(
            """
            DELETE FROM fathom_index_hosts h WHERE NOT EXISTS (
                SELECT 1 FROM fathom_host_sample s WHERE s.cluster = h.cluster AND s.host = h.host)
            """, logger: logger)
    }

    /// Closes the connections kept for reads.
    func close() async {
        let connections = idle.withLock { kept in
            defer { kept.removeAll() }
            return kept
        }
        for connection in connections { try? await connection.close() }
    }

    private func strings(_ query: PostgresQuery) async throws -> [String] {
        try await withConnection { [logger = connector.logger] connection in
            var out: [String] = []
            for try await text in try await connection.query(query, logger: logger).decode(String.self) {
                out.append(text)
            }
            return out
        }
    }

    /// Runs `body` on a kept connection (or a new one), keeps the connection afterwards unless it
    /// failed; a kept connection that turns out lost is replaced once. Failures are `StorageError`s
    /// naming the store (Grafana answers them 503).
    private func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var reuse = true
        while true {
            let kept = reuse ? idle.withLock { $0.popLast() } : nil
            let connection: PostgresConnection
            do {
                if let kept, !kept.isClosed {
                    connection = kept
                } else {
                    connection = try await connector.connect()
                }
            } catch {
                throw failure(error)
            }
            do {
                let result = try await PostgresDeadline.run(on: connection) { try await body(connection) }
                let keep = idle.withLock { list in
                    guard list.count < Self.maxIdle, !connection.isClosed else { return false }
                    list.append(connection)
                    return true
                }
                if !keep { try? await connection.close() }
                return result
            } catch {
                try? await connection.close()
                // The database restarted since the connection was kept: once more on a new one.
                if kept != nil && reuse && PostgresFailure(error).lostConnection {
                    reuse = false
                    continue
                }
                throw failure(error)
            }
        }
    }

    private func failure(_ error: any Error) -> StorageError {
        StorageError(
            errno: EIO, operation: "index read", path: connector.address.display,
            detail: PostgresFailure(error).description)
    }

}
