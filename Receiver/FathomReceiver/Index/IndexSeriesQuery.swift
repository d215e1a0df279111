/// One series the index can answer: whose usage (a host, a cluster's total, a job, a user), which
/// quantity, over which time range, averaged into buckets of `bucketSeconds`.
///
/// ```swift
/// let q = IndexSeriesQuery(scope: .host(cluster: "fox", host: "c1"), quantity: .cpuPercent,
///                          from: t0, to: t0 + 86_400, bucketSeconds: 300)
/// ```
public struct IndexSeriesQuery: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case host(cluster: String, host: String)
        case cluster(String)
        case job(cluster: String, job: String)
        case user(cluster: String, user: String)
    }

    /// A summed quantity; `jobs` and `users` (distinct per sample) exist for hosts, `hosts` for clusters.
    public enum Quantity: String, Sendable, CaseIterable {
        case cpuPercent = "cpu"
        case cpuKiB = "cpukib"
        case rssAnonKiB = "rssanonkib"
        case gpuPercent = "gpu"
        case gpuMemPercent = "gpumem"
        case gpuKiB = "gpukib"
        case processes
        case jobs
        case users
        case hosts

        public func applies(to scope: Scope) -> Bool {
            switch (self, scope) {
            case (.jobs, .host), (.users, .host), (.hosts, .cluster): return true
            case (.jobs, _), (.users, _), (.hosts, _): return false
            default: return true
            }
        }
    }

    public var scope: Scope
    public var quantity: Quantity
    /// Unix seconds, `from` included, `to` excluded.
    public var from: Int64
    public var to: Int64
    public var bucketSeconds: Int64

    public init(scope: Scope, quantity: Quantity, from: Int64, to: Int64, bucketSeconds: Int64) {
        self.scope = scope
        self.quantity = quantity
        self.from = from
        self.to = to
        self.bucketSeconds = max(1, bucketSeconds)
    }
}

/// One point of an index series: the bucket's start (Unix seconds, buckets counted from the
/// query's `from`, so a range holds at most ⌈span ÷ bucket⌉ of them) and the mean of the bucket's
/// per-sample (hosts) or per-minute (clusters, jobs, users) sums.
public struct IndexPoint: Sendable, Equatable {
    public var time: Int64
    public var value: Double
    public init(time: Int64, value: Double) {
        self.time = time
        self.value = value
    }
}

/// One row of the top-jobs table over a time range.
public struct IndexJobUsage: Sendable, Equatable {
    public var job: String
    public var user: String
    public var meanCPUPercent: Double
    public var peakCPUPercent: Double
    public var peakRSSAnonKiB: Int64
    public var meanGPUPercent: Double
    public var minutes: Int64
}
