import ArgumentParser
import FathomAgent

/// sonar 0.12 `sonar ps` flags, shared by `sample`, `run` and `once` (flags override the config).
struct SampleFilterOptions: ParsableArguments {
    @Flag(help: "Merge leaf processes of a job with the same parent and command.") var rollup = false
    @Flag(help: "Use the process group as job id (nodes without Slurm).") var batchless = false
    @Option(help: "Include records with at least this lifetime CPU%.") var minCpuPercent: Double?
    @Option(help: "Include records with at least this % of memory.") var minMemPercent: Double?
    @Option(help: "Include records with at least this many CPU seconds.") var minCpuTime: Int?
    @Flag(help: "Exclude processes of uids below 1000.") var excludeSystemJobs = false
    @Option(help: "Comma-separated users to exclude.") var excludeUsers: String?
    @Option(help: "Comma-separated command prefixes to exclude.") var excludeCommands: String?
    @Flag(help: "Add the per-CPU load field to the first record.") var load = false

    func apply(to options: inout SampleOptions) {
        if rollup { options.rollup = true }
        if batchless { options.batchless = true }
        if let minCpuPercent { options.minCPUPercent = minCpuPercent }
        if let minMemPercent { options.minMemPercent = minMemPercent }
        if let minCpuTime { options.minCPUTimeSeconds = minCpuTime }
        if excludeSystemJobs { options.excludeSystemJobs = true }
        if let excludeUsers { options.excludeUsers = excludeUsers.split(separator: ",").map(String.init) }
        if let excludeCommands { options.excludeCommands = excludeCommands.split(separator: ",").map(String.init) }
        if load { options.includeLoad = true }
    }
}
