import FathomShared

/// Which GPU cards a record used: sonar's `gpus=` field.
enum GPUCardSet: Equatable {
    case none
    /// Used some card, but which is unknown (GPU processes missing from /proc).
    case unknown
    case cards(Set<Int>)

    mutating func formUnion(_ other: GPUCardSet) {
        switch (self, other) {
        case (_, .none): break
        case (.none, _): self = other
        case (.unknown, _), (_, .unknown): self = .unknown
        case (.cards(let a), .cards(let b)): self = .cards(a.union(b))
        }
    }

    var fieldValue: String {
        switch self {
        case .none: "none"
        case .unknown: "unknown"
        case .cards(let set): set.sorted().map(String.init).joined(separator: ",")
        }
    }
}

/// One output line's worth of data: a process, a rolled-up group, a GPU zombie or the heartbeat.
struct SampleRecord: Equatable {
    var user: String
    var command: String
    var uid: UInt32?
    var job: Int = 0
    var pid: Int = 0
    var ppid: Int = 0
    var cpuPercent: Double = 0
    var cpuKiB: Int = 0
    var rssAnonKiB: Int = 0
    /// Resident memory in percent of MemTotal; feeds `--min-mem-percent` and is not printed.
    var memPercent: Double = 0
    var gpus: GPUCardSet = .none
    var gpuPercent: Double = 0
    var gpuMemPercent: Double = 0
    var gpuKiB: Int = 0
    var cputimeSeconds: Int = 0
    var rolledUp: Int = 0
    var hasChildren = false

    /// uid < 1000; unknown owners (GPU zombies) are not treated as system jobs.
    var isSystemJob: Bool { uid.map { $0 < 1000 } ?? false }

    /// The free-CSV fields in sonar 0.12's print order, defaults omitted.
    func fields(header: SampleHeader, load: String?) -> [(String, String)] {
        var out: [(String, String)] = [
            ("v", SonarFormat.sonarFormatVersion), ("time", header.time), ("host", header.host),
            ("user", user), ("cmd", command),
        ]
        func add(_ name: String, _ value: Int) { if value != 0 { out.append((name, String(value))) } }
        func add(_ name: String, _ value: Double) {
            let text = FreeCSV.number(value)
            if text != "0" && text != "-0" { out.append((name, text)) }
        }
        add("job", job)
        add("pid", pid)
        add("ppid", ppid)
        add("cpu%", cpuPercent)
        add("cpukib", cpuKiB)
        add("rssanonkib", rssAnonKiB)
        if gpus != .none { out.append(("gpus", gpus.fieldValue)) }
        add("gpu%", gpuPercent)
        add("gpumem%", gpuMemPercent)
        add("gpukib", gpuKiB)
        add("cputime_sec", cputimeSeconds)
        add("rolledup", rolledUp)
        if header.gpuFailed { out.append(("gpufail", "1")) }
        if let load { out.append(("load", load)) }
        return out
    }

    static var heartbeat: SampleRecord {
        SampleRecord(user: SonarFormat.heartbeatUser, command: SonarFormat.heartbeatCommand, uid: nil)
    }
}

/// The values shared by every line of one sample.
struct SampleHeader {
    /// Formatted once so all lines of a sample carry the identical `time`.
    var time: String
    var host: String
    var gpuFailed: Bool
}
