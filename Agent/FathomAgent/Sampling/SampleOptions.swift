/// What one `sonar ps`-style sample includes; the CLI flags and the TOML config fill this.
///
/// ```swift
/// var options = SampleOptions(rollup: true, minCPUTimeSeconds: 60, excludeSystemJobs: true)
/// options.excludeCommands = ["bash", "ssh", "zsh", "tmux", "systemd"]
/// ```
public struct SampleOptions: Sendable, Equatable {
    /// Merge leaf processes of one job with the same parent and command (`--rollup`).
    public var rollup: Bool
    /// Use the process group id as job id instead of the Slurm cgroup (`--batchless`).
    public var batchless: Bool
    /// Inclusion filter on `cpu%` (`--min-cpu-percent`).
    public var minCPUPercent: Double?
    /// Inclusion filter on resident memory as percent of MemTotal (`--min-mem-percent`).
    public var minMemPercent: Double?
    /// Inclusion filter on `cputime_sec` (`--min-cpu-time`).
    public var minCPUTimeSeconds: Int?
    /// Drop records owned by uids below 1000 (`--exclude-system-jobs`).
    public var excludeSystemJobs: Bool
    /// Drop records whose user is exactly one of these (`--exclude-users`).
    public var excludeUsers: [String]
    /// Drop records whose command starts with one of these (`--exclude-commands`).
    public var excludeCommands: [String]
    /// Add the base-45 per-CPU `load=` field to the first record (`--load`).
    public var includeLoad: Bool

    public init(
        rollup: Bool = false,
        batchless: Bool = false,
        minCPUPercent: Double? = nil,
        minMemPercent: Double? = nil,
        minCPUTimeSeconds: Int? = nil,
        excludeSystemJobs: Bool = false,
        excludeUsers: [String] = [],
        excludeCommands: [String] = [],
        includeLoad: Bool = false
    ) {
        self.rollup = rollup
        self.batchless = batchless
        self.minCPUPercent = minCPUPercent
        self.minMemPercent = minMemPercent
        self.minCPUTimeSeconds = minCPUTimeSeconds
        self.excludeSystemJobs = excludeSystemJobs
        self.excludeUsers = excludeUsers
        self.excludeCommands = excludeCommands
        self.includeLoad = includeLoad
    }

    /// Rejects combinations sonar 0.12 rejects.
    public func validate() throws(SampleOptionsError) {
        // Batchless job ids are process groups, which are not jobs in the Slurm sense that rollup
        // assumes; sonar 0.12 exits with status 2 on this combination.
        if rollup && batchless { throw .rollupWithBatchless }
    }
}

/// An invalid `SampleOptions` combination.
public enum SampleOptionsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `rollup` and `batchless` were both set.
    case rollupWithBatchless

    public var description: String {
        switch self {
        case .rollupWithBatchless: "--rollup and --batchless are mutually exclusive"
        }
    }
}
