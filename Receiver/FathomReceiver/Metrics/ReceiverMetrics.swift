import FathomShared
import Prometheus
import Synchronization

/// The receiver's Prometheus metrics (`GET /metrics`, text exposition 0.0.4), in a registry of
/// this receiver's own rather than the process-wide `MetricsSystem`, so several receivers in one
/// process (tests, benchmarks) never share or double-bootstrap. Every metric has help text, which
/// `promtool check metrics` insists on.
///
/// Label values come only from authenticated requests (the cluster of an upload whose credentials
/// were valid for it), and at most `clusterLabelLimit` distinct clusters are labelled, so a client
/// cannot grow the registry without bound.
///
/// ```swift
/// let metrics = ReceiverMetrics()
/// metrics.uploadAnswered(cluster: "fox", status: 200, bytes: 1_200)
/// let text = metrics.exposition(fleet: registry, now: now)
/// ```
public final class ReceiverMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let labelledClusters = Mutex<Set<String>>([])
    private let indexLagProvider = Mutex<(@Sendable () -> Double?)?>(nil)
    private let groupSize: ValueHistogram
    private let syncDuration: DurationHistogram
    static let clusterLabelLimit = 1_000

    public init() {
        groupSize = registry.makeValueHistogram(
            descriptor: Self.name(
                "commit_group_size", unit: "uploads",
                help: "Uploads committed together by one group commit (one fdatasync round)."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        syncDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "fdatasync_duration", unit: "seconds",
                help: "Time of one group commit's parallel fdatasync of data files, directories and ledger."),
            buckets: [
                .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(5),
            ])
    }

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "fathom", subsystem: "receiver", metricName: metric, unitName: unit, helpText: help)
    }

    /// A cluster name as a label value: "-" when unknown (refused before authentication), "_other"
    /// past the label limit.
    func clusterLabel(_ cluster: String?) -> String {
        guard let cluster else { return "-" }
        return labelledClusters.withLock { seen in
            if seen.contains(cluster) { return cluster }
            guard seen.count < Self.clusterLabelLimit else { return "_other" }
            seen.insert(cluster)
            return cluster
        }
    }

    /// One answered `POST /sonar-freecsv` or `/sysinfo`; `cluster` only once the credentials were
    /// valid for it, `bytes` only for stored uploads.
    public func uploadAnswered(cluster: String?, status: Int, bytes: Int = 0) {
        let label = clusterLabel(cluster)
        registry.makeCounter(
            descriptor: Self.name("uploads", unit: "total", help: "Uploads answered, by cluster and HTTP status code."),
            labels: [("cluster", label), ("code", String(status))]
        ).increment()
        if bytes > 0 {
            registry.makeCounter(
                descriptor: Self.name("upload", unit: "bytes_total", help: "Bytes of stored uploads, by cluster."),
                labels: [("cluster", label)]
            ).increment(by: Int64(bytes))
        }
    }

    /// A request refused for missing or wrong credentials; `endpoint` is `upload`, `fleet`, `metrics` or `archive`.
    public func authFailed(endpoint: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "auth_failures", unit: "total", help: "Requests refused for missing or wrong credentials."),
            labels: [("endpoint", endpoint)]
        ).increment()
    }

    /// One group commit: how many uploads it held and how long its sync took (nil: it failed before syncing).
    public func commitGroup(uploads: Int, syncDuration: Duration?) {
        groupSize.record(Double(uploads))
        if let syncDuration { self.syncDuration.record(syncDuration) }
    }

    /// One answered write to the measurement archive (POST/PUT under `/esmond/` or `/perfsonar/`).
    public func archiveWrite(status: Int) {
        registry.makeCounter(
            descriptor: Self.name(
                "archive_writes", unit: "total", help: "Writes to the measurement archive, by HTTP status code."),
            labels: [("code", String(status))]
        ).increment()
    }

    /// Records stored and not yet confirmed by a forward destination's broker.
    public func forwardBacklog(destination: String, stream: String, records: Int) {
        registry.makeGauge(
            descriptor: Self.name(
                "forward_backlog", unit: "records",
                help: "Stored records a RabbitMQ forward destination has not confirmed yet."),
            labels: [("destination", destination), ("stream", stream)]
        ).set(Double(records))
    }

    /// Records a forward destination's broker confirmed.
    public func forwarded(destination: String, stream: String, records: Int) {
        registry.makeCounter(
            descriptor: Self.name(
                "forwarded_records", unit: "total", help: "Records a RabbitMQ forward destination confirmed."),
            labels: [("destination", destination), ("stream", stream)]
        ).increment(by: Int64(records))
    }

    /// The hook for the ingest index: how many seconds of committed uploads it has not folded in
    /// yet. Until an index registers one, `fathom_receiver_index_lag_seconds` is not exported.
    public func setIndexLagProvider(_ provider: @escaping @Sendable () -> Double?) {
        indexLagProvider.withLock { $0 = provider }
    }

    /// The text exposition, with the fleet's host states and the index lag read now.
    public func exposition(fleet: FleetRegistry?, now: Int64) -> [UInt8] {
        if let fleet {
            for (cluster, counts) in fleet.stateCounts(now: now) {
                for state in HostState.allCases {
                    registry.makeGauge(
                        descriptor: Self.name(
                            "hosts", unit: "", help: "Hosts by cluster and state (online, late, silent)."),
                        labels: [("cluster", clusterLabel(cluster)), ("state", state.rawValue)]
                    ).set(Double(counts[state] ?? 0))
                }
            }
        }
        if let lag = indexLagProvider.withLock({ $0 })?() {
            registry.makeGauge(
                descriptor: Self.name(
                    "index_lag", unit: "seconds",
                    help: "Age of the newest committed upload the ingest index has not folded in."),
                labels: []
            ).set(lag)
        }
        return registry.emitToBuffer()
    }
}
