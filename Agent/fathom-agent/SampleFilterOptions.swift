import FathomAgent

/// sonar 0.12 `sonar ps` flags, shared by `sample`, `run` and `once` (flags override the config).
struct SampleFilterOptions {
    static let rollup = FlagOption(
        "rollup", help: "Merge leaf processes of a job with the same parent and command.")
    static let batchless = FlagOption("batchless", help: "Use the process group as job id (nodes without Slurm).")
    static let minCpuPercent = ValueOption<Double>(
        "min-cpu-percent", help: "Include records with at least this lifetime CPU%.")
    static let minMemPercent = ValueOption<Double>(
        "min-mem-percent", help: "Include records with at least this % of memory.")
    static let minCpuTime = ValueOption<Int>(
        "min-cpu-time", help: "Include records with at least this many CPU seconds.")
    static let excludeSystemJobs = FlagOption("exclude-system-jobs", help: "Exclude processes of uids below 1000.")
    static let excludeUsers = ValueOption<String>("exclude-users", help: "Comma-separated users to exclude.")
    static let excludeCommands = ValueOption<String>(
        "exclude-commands", help: "Comma-separated command prefixes to exclude.")
    static let load = FlagOption("load", help: "Add the per-CPU load field to the first record.")

    static let declarations: [OptionSpec] = [
        rollup.spec, batchless.spec, minCpuPercent.spec, minMemPercent.spec, minCpuTime.spec, excludeSystemJobs.spec,
        excludeUsers.spec,
        excludeCommands.spec, load.spec,
    ]

    let rollup: Bool
    let batchless: Bool
    let minCpuPercent: Double?
    let minMemPercent: Double?
    let minCpuTime: Int?
    let excludeSystemJobs: Bool
    let excludeUsers: String?
    let excludeCommands: String?
    let load: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        rollup = parsed.flag(Self.rollup)
        batchless = parsed.flag(Self.batchless)
        minCpuPercent = try parsed.value(Self.minCpuPercent)
        minMemPercent = try parsed.value(Self.minMemPercent)
        minCpuTime = try parsed.value(Self.minCpuTime)
        excludeSystemJobs = parsed.flag(Self.excludeSystemJobs)
        excludeUsers = try parsed.value(Self.excludeUsers)
        excludeCommands = try parsed.value(Self.excludeCommands)
        load = parsed.flag(Self.load)
    }

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
