/// The fleet as `/fleet.json` returns it and `/fleet` renders it: clusters by name, each with its
/// counts of online, late and silent hosts and its hosts, silent first, then late, then online.
///
/// ```swift
/// let view = registry.view(now: now) { credential.mayUpload(to: $0) }
/// print(view.clusters.first?.silent ?? 0)
/// ```
public struct FleetView: Sendable, Codable, Equatable {
    /// One host's row.
    public struct Host: Sendable, Codable, Equatable {
        public var host: String
        public var state: HostState
        /// Seconds since the last upload of any kind.
        public var ageSeconds: Int64
        public var lastUpload: String
        public var lastSample: String?
        public var cadenceSeconds: Int64
        public var cadenceSource: HostCadence.Source
        public var cores: Int?
        public var memoryGB: Int?
        public var gpus: Int?
        public var agentVersion: String?
        public var backlogBatches: Int?
        public var backlogBytes: Int?
    }

    /// One cluster's counts and hosts.
    public struct Cluster: Sendable, Codable, Equatable {
        public var name: String
        public var online: Int
        public var late: Int
        public var silent: Int
        public var hosts: [Host]
    }

    /// When the view was made (RFC 3339, UTC).
    public var generatedAt: String
    public var clusters: [Cluster]
}
