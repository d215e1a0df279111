import FathomShared

/// Produces one `sonar ps` (0.12) sample as free-CSV lines.
///
/// Reads /proc through `ProcFS`, merges GPU data from the probes, applies rollup and the filters,
/// and falls back to a heartbeat line so an idle node still proves it is alive.
///
/// ```swift
/// let sampler = try ProcessSampler(procfs: LinuxProcFS(), gpu: [], options: SampleOptions(rollup: true))
/// for line in await sampler.sample() { print(line) }
/// ```
public struct ProcessSampler: Sendable {
    public let options: SampleOptions
    let procfs: any ProcFS
    let gpu: [any GPUProbe]

    /// Throws `SampleOptionsError` for option combinations sonar rejects (rollup with batchless).
    public init(procfs: any ProcFS, gpu: [any GPUProbe], options: SampleOptions) throws(SampleOptionsError) {
        try options.validate()
        self.procfs = procfs
        self.gpu = gpu
        self.options = options
    }

    /// One sample: lines without trailing newline, all with the same `time`, never empty.
    public func sample() async -> [String] {
        // /proc reads and user-name lookups (NSS: LDAP or SSSD on many clusters) block, so they run
        // on a thread of their own, never on the cooperative pool.
        let snapshot = await BlockingWork.run { [self] in readProcesses() }
        var gpuFailed = false
        var usage: [GPUProcessUsage] = []
        for probe in gpu {
            do { usage += try await probe.processUsage() } catch { gpuFailed = true }
        }
        return lines(snapshot, gpu: usage, gpuFailed: gpuFailed)
    }

    /// One sample on the calling thread, starting no task and no thread (a one-shot `sample`
    /// process: the concurrency pool alone would cost it half a millisecond and half a megabyte);
    /// nil when there are GPUs to probe, whose subprocesses are awaited: then ``sample()``.
    public func sampleOnThisThread() -> [String]? {
        guard gpu.isEmpty else { return nil }
        return lines(readProcesses(), gpu: [], gpuFailed: false)
    }

    /// The process table, the time it was read at and the names of its users.
    private struct Snapshot {
        var now: LocalTime
        var table: ProcessTable
        var userNames: [UInt32: String]
    }

    /// Blocking reads of /proc and NSS.
    private func readProcesses() -> Snapshot {
        // Captured first, as sonar does, so the timestamp does not drift with probe latency.
        let now = procfs.now()
        let table = ProcessTable.read(procfs: procfs, jobs: JobResolver(batchless: options.batchless))
        // A node runs hundreds of processes of a handful of users: resolve each uid once, since
        // every lookup goes through NSS (an open and scan of /etc/passwd at least).
        var names: [UInt32: String] = [:]
        for entry in table.processes.values where names[entry.uid] == nil {
            names[entry.uid] = procfs.userName(uid: entry.uid) ?? "_noinfo_\(entry.uid)"
        }
        return Snapshot(now: now, table: table, userNames: names)
    }

    private func lines(_ snapshot: Snapshot, gpu usage: [GPUProcessUsage], gpuFailed: Bool) -> [String] {
        let (now, table, userNames) = (snapshot.now, snapshot.table, snapshot.userNames)
        let time = SonarTimestamp.format(epochSeconds: now.epochSeconds, utcOffsetSeconds: now.utcOffsetSeconds)
        var records = table.processes.values.sorted { $0.pid < $1.pid }.map { entry in
            record(for: entry, user: userNames[entry.uid]!, table: table, now: now.epochSeconds)
        }
        GPUMerge.apply(usage, to: &records)
        if options.rollup { records = Rollup.apply(records) }
        let filter = SampleFilter(options: options)
        records = records.filter(filter.keeps)
        if records.isEmpty { records = [.heartbeat] }

        let header = SampleHeader(time: time, host: procfs.hostname(), gpuFailed: gpuFailed)
        let load = options.includeLoad ? loadField() : nil
        return records.enumerated().map { index, record in
            FreeCSV.line(record.fields(header: header, load: index == 0 ? load : nil))
        }
    }

    private func record(for entry: ProcessEntry, user: String, table: ProcessTable, now: Int64) -> SampleRecord {
        let ticks = Double(procfs.clockTicksPerSecond)
        let stat = entry.stat
        // Lifetime average like ps(1): CPU ticks over wall time since the process started.
        let started = Double(table.bootTime) + Double(stat.startTime) / ticks
        let elapsed = Double(now) - started
        let busy = Double(stat.utime + stat.stime) / ticks
        let cpuPercent = elapsed > 0 ? (busy * 1000 / elapsed).rounded() / 10 : 0
        return SampleRecord(
            user: user,
            command: stat.state == "Z" ? stat.command + " <defunct>" : stat.command,
            uid: entry.uid,
            job: entry.jobID,
            pid: entry.pid,
            ppid: stat.ppid,
            cpuPercent: cpuPercent,
            cpuKiB: entry.dataKiB,
            rssAnonKiB: entry.rssAnonKiB,
            memPercent: table.memTotalKiB > 0 ? Double(entry.residentKiB) * 100 / Double(table.memTotalKiB) : 0,
            cputimeSeconds: Int((Double(stat.utime + stat.stime + stat.cutime + stat.cstime) / ticks).rounded()),
            hasChildren: table.parents.contains(entry.pid)
        )
    }

    /// Busy seconds per CPU since boot, base-45 encoded; nil when /proc/stat has no cpuN lines.
    private func loadField() -> String? {
        guard let stat = procfs.read("stat") else { return nil }
        let ticks = UInt64(procfs.clockTicksPerSecond)
        let seconds = ProcText.perCPUBusyTicks(stat: stat).map { $0 / ticks }
        return seconds.isEmpty ? nil : LoadEncoding.encode(seconds)
    }
}
