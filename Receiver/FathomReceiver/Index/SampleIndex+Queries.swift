import GRDB

/// The read side of the index: series, the top jobs, and the names the Grafana editor offers.
/// Reads run on GRDB's reader pool (WAL), beside the writer, never on an event loop.
extension SampleIndex: SampleSeriesIndex {
    public typealias NameColumn = IndexNameColumn

    public func series(_ q: IndexSeriesQuery) async throws -> [IndexPoint] {
        let (table, time, filter, arguments): (String, String, String, StatementArguments)
        switch q.scope {
        case .host(let cluster, let host):
            (table, time, filter, arguments) = ("host_sample", "time", "cluster = ? AND host = ?", [cluster, host])
        case .cluster(let cluster):
            (table, time, filter, arguments) = ("cluster_minute", "minute", "cluster = ?", [cluster])
        case .job(let cluster, let job):
            (table, time, filter, arguments) = ("job_minute", "minute", "cluster = ? AND job = ?", [cluster, job])
        case .user(let cluster, let user):
            (table, time, filter, arguments) = ("user_minute", "minute", "cluster = ? AND user = ?", [cluster, user])
        }
        guard q.quantity.applies(to: q.scope) else { return [] }
        let sql = """
            SELECT ((\(time) - \(q.from)) / \(q.bucketSeconds)) * \(q.bucketSeconds) + \(q.from) AS bucket, AVG(\(q.quantity.rawValue))
            FROM \(table) WHERE \(filter) AND \(time) >= ? AND \(time) < ? GROUP BY bucket ORDER BY bucket
            """
        let bound = arguments + [q.from, q.to]
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map {
                IndexPoint(time: $0[0], value: $0[1])
            }
        }
    }

    /// The `limit` jobs of a cluster with the highest mean CPU over `[from, to)`.
    public func topJobs(cluster: String, from: Int64, to: Int64, limit: Int) async throws -> [IndexJobUsage] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT job, MAX(user), AVG(cpu) AS mean_cpu, MAX(cpu), MAX(rssanonkib), AVG(gpu), COUNT(*)
                    FROM job_minute WHERE cluster = ? AND minute >= ? AND minute < ?
                    GROUP BY job ORDER BY mean_cpu DESC, job LIMIT ?
                    """,
                arguments: [cluster, from, to, limit]
            ).map {
                IndexJobUsage(
                    job: $0[0], user: $0[1], meanCPUPercent: $0[2], peakCPUPercent: $0[3], peakRSSAnonKiB: $0[4],
                    meanGPUPercent: $0[5], minutes: $0[6])
            }
        }
    }

    /// Clusters with any folded day file.
    public func clusters() -> [String] {
        Set(foldedPaths().map { Self.cluster(of: $0) }).sorted()
    }

    /// Hosts of a cluster with any folded day file (from the file names, so no table scan).
    public func hosts(cluster: String) -> [String] {
        let prefix = cluster + "/"
        return Set(
            foldedPaths().lazy.filter { $0.hasPrefix(prefix) }.map {
                String($0.split(separator: "/").last!.dropLast(4))
            }
        ).sorted()
    }

    /// Jobs or users of a cluster seen in `[from, to)`, at most `limit`.
    public func names(_ column: NameColumn, cluster: String, from: Int64, to: Int64, limit: Int = 1000) async throws
        -> [String]
    {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT \(column.rawValue) FROM job_minute
                    WHERE cluster = ? AND minute >= ? AND minute < ? ORDER BY 1 LIMIT ?
                    """,
                arguments: [cluster, from, to, limit])
        }
    }
}
