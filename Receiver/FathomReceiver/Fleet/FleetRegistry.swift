import FathomShared
import Synchronization

/// Every host that has uploaded, kept in memory for the fleet page and the host-state metrics,
/// updated after each committed upload and saved by `FleetStore` (only the hosts that changed).
///
/// Updates take one lock for a dictionary write, so the upload path pays next to nothing; a view
/// copies the records under the lock and does the rest (states, sorting, formatting) outside it.
/// Memory grows only with hosts that uploaded committed data under valid credentials.
///
/// ```swift
/// let registry = FleetRegistry(records: try store.load(), cadenceOverrides: ["fox": 60])
/// registry.record(upload, at: now)
/// let view = registry.view(now: now) { _ in true }
/// ```
public final class FleetRegistry: Sendable {
    private struct Key: Hashable {
        var cluster: String
        var host: String
    }

    private struct State {
        var hosts: [Key: FleetHostRecord] = [:]
        var dirty: Set<Key> = []
    }

    private let state: Mutex<State>
    /// Cluster → expected upload interval in seconds, from `fleet_cadence`; wins over learning.
    public let cadenceOverrides: [String: Int64]

    public init(records: [FleetHostRecord] = [], cadenceOverrides: [String: Int64] = [:]) {
        var initial = State()
        for r in records { initial.hosts[Key(cluster: r.cluster, host: r.host)] = r }
        state = Mutex(initial)
        self.cadenceOverrides = cadenceOverrides
    }

    public var hostCount: Int { state.withLock { $0.hosts.count } }

    /// Folds in one committed upload that arrived at `now` (Unix seconds).
    public func record(_ upload: FleetUpload, at now: Int64) {
        state.withLock { s in
            for (host, newestSample) in upload.hosts {
                let key = Key(cluster: upload.cluster, host: host)
                var r = s.hosts[key] ?? FleetHostRecord(cluster: upload.cluster, host: host, lastUploadAt: now)
                r.lastUploadAt = max(r.lastUploadAt, now)
                if let newestSample { r.lastSampleAt = max(r.lastSampleAt ?? newestSample, newestSample) }
                if upload.isSamples {
                    r.recentSampleUploads.append(now)
                    if r.recentSampleUploads.count > FleetHostRecord.recentLimit { r.recentSampleUploads.removeFirst() }
                }
                if let info = upload.sysinfo {
                    r.cores = info.cores
                    r.memoryGB = info.memoryGB
                    r.gpus = info.gpus
                    r.sysinfoAt = info.timestamp
                }
                if let version = upload.agentVersion { r.agentVersion = version }
                if let backlog = upload.backlog { r.backlog = backlog }
                s.hosts[key] = r
                s.dirty.insert(key)
            }
        }
    }

    /// The records changed since the last call, for `FleetStore.save`; the caller hands them back
    /// with `markDirty` when saving fails.
    public func takeDirty() -> [FleetHostRecord] {
        state.withLock { s in
            defer { s.dirty.removeAll(keepingCapacity: true) }
            return s.dirty.compactMap { s.hosts[$0] }
        }
    }

    public func markDirty(_ records: [FleetHostRecord]) {
        state.withLock { s in
            for r in records { s.dirty.insert(Key(cluster: r.cluster, host: r.host)) }
        }
    }

    /// The expected interval for one host, and where it came from.
    public func cadence(of r: FleetHostRecord) -> (seconds: Int64, source: HostCadence.Source) {
        if let configured = cadenceOverrides[r.cluster] { return (configured, .configured) }
        if let learned = HostCadence.learned(from: r.recentSampleUploads) { return (learned, .learned) }
        return (HostCadence.defaultSeconds, .assumed)
    }

    /// A copy of the records of the clusters `visible` admits.
    public func records(visible: (String) -> Bool) -> [FleetHostRecord] {
        state.withLock { s in s.hosts.values.filter { visible($0.cluster) } }
    }

    /// Cluster → hosts in each state, for the metrics.
    public func stateCounts(now: Int64) -> [String: [HostState: Int]] {
        var counts: [String: [HostState: Int]] = [:]
        for r in records(visible: { _ in true }) {
            counts[r.cluster, default: [:]][
                HostCadence.state(ageSeconds: now - r.lastUploadAt, cadenceSeconds: cadence(of: r).seconds), default: 0] +=
                1
        }
        return counts
    }

    /// The page's data for the clusters `visible` admits.
    ///
    /// Each cluster's hosts are ordered by small keys (state, name, position) and the rows made in
    /// that order, so sorting 10,000 hosts never moves whole rows.
    public func view(now: Int64, visible: (String) -> Bool) -> FleetView {
        let records = records(visible: visible)
        var byCluster: [String: [(state: HostState, host: String, index: Int)]] = [:]
        var cadences: [(seconds: Int64, source: HostCadence.Source)] = []
        cadences.reserveCapacity(records.count)
        for (index, r) in records.enumerated() {
            let cadence = cadence(of: r)
            cadences.append(cadence)
            let state = HostCadence.state(ageSeconds: now - r.lastUploadAt, cadenceSeconds: cadence.seconds)
            byCluster[r.cluster, default: []].append((state, r.host, index))
        }
        let clusters = byCluster.keys.sorted().map { name in
            let order = byCluster[name]!.sorted { a, b in a.state != b.state ? a.state < b.state : a.host < b.host }
            let hosts = order.map { key in
                let r = records[key.index]
                return FleetView.Host(
                    host: r.host, state: key.state, ageSeconds: now - r.lastUploadAt,
                    lastUpload: Self.time(r.lastUploadAt),
                    lastSample: r.lastSampleAt.map(Self.time), cadenceSeconds: cadences[key.index].seconds,
                    cadenceSource: cadences[key.index].source, cores: r.cores, memoryGB: r.memoryGB, gpus: r.gpus,
                    agentVersion: r.agentVersion, backlogBatches: r.backlog?.batches, backlogBytes: r.backlog?.bytes)
            }
            return FleetView.Cluster(
                name: name, online: order.count { $0.state == .online }, late: order.count { $0.state == .late },
                silent: order.count { $0.state == .silent }, hosts: hosts)
        }
        return FleetView(generatedAt: Self.time(now), clusters: clusters)
    }

    static func time(_ epochSeconds: Int64) -> String {
        SonarTimestamp.format(epochSeconds: epochSeconds, utcOffsetSeconds: 0)
    }
}
