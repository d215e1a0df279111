/// The summed resource usage of a set of process records (one host's sample, one job's or one
/// user's minute, a cluster's minute): what the index keeps per row, added up as records arrive.
///
/// ```swift
/// var sums = UsageSums()
/// sums.add(cpuPercent: 99.5, cpuKiB: 1024, rssAnonKiB: 900, gpuPercent: 0, gpuMemPercent: 0, gpuKiB: 0)
/// ```
public struct UsageSums: Sendable, Equatable {
    public var cpuPercent: Double = 0
    public var cpuKiB: Int64 = 0
    public var rssAnonKiB: Int64 = 0
    public var gpuPercent: Double = 0
    public var gpuMemPercent: Double = 0
    public var gpuKiB: Int64 = 0
    /// Process records (heartbeats excluded).
    public var processes: Int64 = 0

    public init() {}

    public mutating func add(_ other: UsageSums) {
        cpuPercent += other.cpuPercent
        cpuKiB += other.cpuKiB
        rssAnonKiB += other.rssAnonKiB
        gpuPercent += other.gpuPercent
        gpuMemPercent += other.gpuMemPercent
        gpuKiB += other.gpuKiB
        processes += other.processes
    }
}
