/// The inclusion and exclusion rules of `sonar ps`, applied to records after rollup.
///
/// Inclusion filters are alternatives: when any is set, a record must pass at least one of them.
/// Exclusion filters all apply. Running after rollup lets a group of small processes pass together.
struct SampleFilter {
    var options: SampleOptions

    func keeps(_ record: SampleRecord) -> Bool {
        let thresholds: [Bool?] = [
            options.minCPUPercent.map { record.cpuPercent >= $0 },
            options.minMemPercent.map { record.memPercent >= $0 },
            options.minCPUTimeSeconds.map { record.cputimeSeconds >= $0 },
        ]
        let given = thresholds.compactMap { $0 }
        if !given.isEmpty && !given.contains(true) { return false }
        if options.excludeSystemJobs && record.isSystemJob { return false }
        if options.excludeUsers.contains(record.user) { return false }
        if options.excludeCommands.contains(where: { record.command.hasPrefix($0) }) { return false }
        return true
    }
}
