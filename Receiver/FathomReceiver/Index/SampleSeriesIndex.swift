/// What Grafana's sample series read: the host, cluster, job and user series, the top jobs, and
/// the names the editor offers. The embedded store's `SampleIndex` (SQLite, folded from the day
/// files) is one; `PostgresSampleIndex` (the index tables every receiver on one database writes)
/// the other, so Grafana answers the same on either store.
///
/// ```swift
/// let index: any SampleSeriesIndex = try SampleIndex(path: path, dataDirectory: data)
/// let cpu = try await index.series(IndexSeriesQuery(scope: .cluster("fox"), quantity: .cpuPercent,
///                                                   from: t0, to: t0 + 3600, bucketSeconds: 60))
/// ```
public protocol SampleSeriesIndex: Sendable {
    /// The query's series, averaged into its buckets; empty buckets are left out.
    func series(_ q: IndexSeriesQuery) async throws -> [IndexPoint]

    /// The `limit` jobs of a cluster with the highest mean CPU over `[from, to)`, ties by job name.
    func topJobs(cluster: String, from: Int64, to: Int64, limit: Int) async throws -> [IndexJobUsage]

    /// Every cluster with samples in the index, sorted.
    func clusters() async throws -> [String]

    /// Every host of a cluster with samples in the index, sorted.
    func hosts(cluster: String) async throws -> [String]

    /// Jobs or users of a cluster seen in `[from, to)`, sorted by their bytes, at most `limit`.
    func names(_ column: IndexNameColumn, cluster: String, from: Int64, to: Int64, limit: Int) async throws
        -> [String]
}

/// Which names ``SampleSeriesIndex/names(_:cluster:from:to:limit:)`` lists (the columns of the
/// per-minute job rows).
public enum IndexNameColumn: String, Sendable {
    case job, user
}
