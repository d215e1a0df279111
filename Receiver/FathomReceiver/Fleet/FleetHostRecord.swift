import FathomShared

/// What the receiver remembers of one host for the fleet page: when it last uploaded, its newest
/// sample, its last sysinfo, the agent's version and spool backlog, and the arrival times of its
/// recent sample uploads (from which its cadence is learned). Persisted in `<data>/.fathom/fleet.sqlite`.
///
/// ```swift
/// var record = FleetHostRecord(cluster: "fox", host: "c1", lastUploadAt: now)
/// record.agentVersion = "0.1.0"
/// ```
public struct FleetHostRecord: Sendable, Codable, Equatable {
    public var cluster: String
    public var host: String
    /// Unix seconds of the last committed upload of any kind.
    public var lastUploadAt: Int64
    /// The newest sample `time` seen (Unix seconds); nil when only sysinfo came.
    public var lastSampleAt: Int64?
    /// Arrival times of the last `FleetHostRecord.recentLimit` sample uploads, oldest first.
    public var recentSampleUploads: [Int64] = []
    public var cores: Int?
    public var memoryGB: Int?
    public var gpus: Int?
    /// Unix seconds of the sysinfo's own timestamp.
    public var sysinfoAt: Int64?
    public var agentVersion: String?
    public var backlog: SpoolBacklog?

    /// Enough intervals for a median that one catch-up burst or one slow upload does not move.
    public static let recentLimit = 9

    public init(cluster: String, host: String, lastUploadAt: Int64) {
        self.cluster = cluster
        self.host = host
        self.lastUploadAt = lastUploadAt
    }
}
