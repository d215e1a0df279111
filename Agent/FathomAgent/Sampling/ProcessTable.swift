/// One live process as read from /proc, before any GPU merge, rollup or filtering.
struct ProcessEntry: Equatable {
    var pid: Int
    var uid: UInt32
    var stat: ProcessStat
    /// statm `data` (virtual data + stack) in KiB: sonar's `cpukib`.
    var dataKiB: Int
    /// statm `resident` in KiB, used only for the memory-percent filter.
    var residentKiB: Int
    /// `RssAnon:` of status in KiB; 0 for kernel threads, which have none.
    var rssAnonKiB: Int
    var jobID: Int
}

/// A snapshot of all processes plus the host-wide numbers the per-process fields are relative to.
struct ProcessTable {
    var processes: [Int: ProcessEntry]
    /// pids that are some live process's parent; rollup only merges leaves.
    var parents: Set<Int>
    var memTotalKiB: Int
    var bootTime: Int64

    /// Reads every numeric /proc entry; processes that vanish midway are skipped silently.
    static func read(procfs: any ProcFS, jobs: JobResolver) -> ProcessTable {
        let memTotal = procfs.read("meminfo").flatMap { ProcText.kibValue("MemTotal", in: $0) } ?? 0
        let bootTime = procfs.read("stat").flatMap { ProcText.bootTime(stat: $0) } ?? 0
        let pageBytes = procfs.pageSizeBytes
        var processes: [Int: ProcessEntry] = [:]
        var parents: Set<Int> = []
        for pid in procfs.pids() {
            guard let statText = procfs.read("\(pid)/stat"), let stat = ProcessStat(parsing: statText) else {
                continue
            }
            // Kernel threads (often hundreds on a large node) have no user memory and are in no
            // job: their status and cgroup files would only say so, at two opens each.
            let kernelThread = stat.isKernelThread
            // sonar skips processes without a status file (gone, or not a real process entry).
            let status = kernelThread ? "" : procfs.read("\(pid)/status")
            guard let status, let uid = procfs.ownerUID(pid: pid) else {
                continue
            }
            parents.insert(stat.ppid)
            // State X (dead) is a transient husk with nothing meaningful to report.
            if stat.state == "X" { continue }
            let memory = ProcessStatusMemory(parsing: status)
            var dataKiB = 0
            var residentKiB = 0
            if let vmData = memory.vmDataKiB, let vmRSS = memory.vmRSSKiB {
                // statm's `data` is data_vm + stack_vm, which status prints as VmData + VmStk:
                // reading it from status saves one open per process.
                dataKiB = vmData + (memory.vmStackKiB ?? 0)
                residentKiB = vmRSS
            } else if !stat.isKernelThread {
                let statm =
                    procfs.read("\(pid)/statm")?.split(separator: " ").map { Int($0.trimmingSpaces()) ?? 0 } ?? []
                dataKiB = statm.count > 5 ? statm[5] * pageBytes / 1024 : 0
                residentKiB = statm.count > 1 ? statm[1] * pageBytes / 1024 : 0
            }
            let entry = ProcessEntry(
                pid: pid,
                uid: uid,
                stat: stat,
                dataKiB: dataKiB,
                residentKiB: residentKiB,
                rssAnonKiB: memory.rssAnonKiB ?? 0,
                jobID: kernelThread && !jobs.batchless ? 0 : jobs.jobID(pid: pid, stat: stat, procfs: procfs)
            )
            processes[pid] = entry
        }
        return ProcessTable(processes: processes, parents: parents, memTotalKiB: memTotal, bootTime: bootTime)
    }
}
