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
        // Over the UTF-8 bytes: this runs for every process of every sample, and a substring
        // search through String's generic collection algorithms cost a one-shot sample a sixth of
        // its time. Only the first "/job_" of the text matters: sonar takes the first line that
        // mentions it and gives up if that does not parse.
        let bytes = text.utf8
        let marker = Array("/job_".utf8)
        var index = bytes.startIndex
        while let slash = bytes[index...].firstIndex(of: UInt8(ascii: "/")) {
            let rest = bytes[slash...]
            if rest.starts(with: marker) {
                let digits = rest.dropFirst(marker.count).prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\n") }
                return Int(Substring(digits)) ?? 0
            }
            index = bytes.index(after: slash)
        }
        return 0
    }
}
