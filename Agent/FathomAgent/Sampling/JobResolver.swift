/// Decides which job a process belongs to, the sonar 0.12 way.
///
/// Slurm mode reads the first `/job_<n>/` in `/proc/<pid>/cgroup`; batchless mode uses the process
/// group id. 0 means "no known job" and such records are never merged.
struct JobResolver {
    var batchless: Bool

    func jobID(pid: Int, stat: ProcessStat, procfs: any ProcFS) -> Int {
        if batchless { return stat.pgrp }
        guard let cgroup = procfs.read("\(pid)/cgroup") else { return 0 }
        return Self.slurmJobID(cgroup: cgroup)
    }

    /// `10:devices:/slurm/uid_2101171/job_280678/step_interactive/task_0` → 280678; 0 if none.
    static func slurmJobID(cgroup text: String) -> Int {
        for line in text.split(separator: "\n") {
            guard let marker = line.firstRange(of: "/job_") else { continue }
            let digits = line[marker.upperBound...].prefix { $0 != "/" }
            // sonar takes the first line that mentions /job_ and gives up if it does not parse.
            return Int(digits) ?? 0
        }
        return 0
    }
}
