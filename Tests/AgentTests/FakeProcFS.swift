import FathomAgent
import FathomShared
import Testing

/// An in-memory /proc for tests: files by relative path plus the few host facts `ProcFS` exposes.
struct FakeProcFS: ProcFS {
    var files: [String: String] = [:]
    var owners: [Int: UInt32] = [:]
    var users: [UInt32: String] = [0: "root", 1000: "alice", 1001: "bob"]
    var modules: Set<String> = []
    var clockTicksPerSecond = 100
    var pageSizeBytes = 4096
    var time = LocalTime(epochSeconds: FakeProcFS.bootTime + 1000, utcOffsetSeconds: 3600)
    var host = "node1.example"

    static let bootTime: Int64 = 1_700_000_000

    init(memTotalKiB: Int = 16_000_000, cpuTicks: [UInt64] = [100, 3000, 8900, 1200]) {
        files["meminfo"] = "MemTotal:       \(memTotalKiB) kB\nMemFree:         1000000 kB\n"
        var stat = "cpu  1 2 3 4 5 6 7 0 0 0\n"
        for (i, ticks) in cpuTicks.enumerated() {
            // Spread the busy ticks over user/nice/system/irq/softirq, with idle/iowait as noise.
            let parts = [ticks / 2, ticks / 4, ticks - ticks / 2 - ticks / 4 - 2, 999, 77, 1, 1]
            stat += "cpu\(i) " + parts.map(String.init).joined(separator: " ") + " 0 0 0\n"
        }
        stat += "intr 12345\nctxt 999\nbtime \(FakeProcFS.bootTime)\nprocesses 5000\n"
        files["stat"] = stat
    }

    func read(_ relativePath: String) -> String? { files[relativePath] }
    func pids() -> [Int] { owners.keys.sorted() }
    func ownerUID(pid: Int) -> UInt32? { owners[pid] }
    func userName(uid: UInt32) -> String? { users[uid] }
    func now() -> LocalTime { time }
    func hostname() -> String { host }
    func kernelModuleLoaded(_ name: String) -> Bool { modules.contains(name) }

    /// Adds a process; ticks are in 1/100 s, memory in pages (4 KiB) except `rssAnonKiB`.
    mutating func add(_ p: FakeProcess) {
        owners[p.pid] = p.uid
        // Fields after comm, proc(5) numbering 3…: state ppid pgrp session tty tpgid flags minflt
        // cminflt majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime …
        files["\(p.pid)/stat"] =
            "\(p.pid) (\(p.comm)) \(p.state) \(p.ppid) \(p.pgrpValue) \(p.pgrpValue) 0 -1 \(p.flags) 100 0 0 0 "
            + "\(p.utime) \(p.stime) \(p.cutime) \(p.cstime) 20 0 1 0 \(p.startTime) 123456789 250 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        files["\(p.pid)/statm"] = "\(p.dataPages + 1000) \(p.residentPages) 100 10 0 \(p.dataPages) 0\n"
        if p.hasStatus {
            var status = "Name:\t\(p.comm)\nUmask:\t0022\nState:\t\(p.state)\nPid:\t\(p.pid)\nPPid:\t\(p.ppid)\n"
            if let anon = p.rssAnonKiB { status += "RssAnon:\t    \(anon) kB\nRssFile:\t    1234 kB\n" }
            status += "Threads:\t1\n"
            files["\(p.pid)/status"] = status
        }
        if let job = p.slurmJob {
            files["\(p.pid)/cgroup"] =
                "12:pids:/system.slice/slurmstepd.scope\n"
                + "10:devices:/slurm/uid_\(p.uid)/job_\(job)/step_batch/task_0\n"
                + "4:memory:/slurm/uid_\(p.uid)/job_\(job)/step_batch/task_0\n"
        } else {
            files["\(p.pid)/cgroup"] = "0::/user.slice/user-\(p.uid).slice/session-3.scope\n"
        }
    }

    /// Simulates a process that exited between listing /proc and reading its files.
    mutating func vanish(pid: Int) {
        for name in ["stat", "statm", "status", "cgroup"] { files["\(pid)/\(name)"] = nil }
    }
}

/// One fake process; defaults describe an ordinary user process started 100 s after boot.
struct FakeProcess {
    var pid: Int
    var ppid: Int = 1
    var pgrp: Int?
    var comm = "worker"
    var state: Character = "S"
    var uid: UInt32 = 1000
    var utime: UInt64 = 0
    var stime: UInt64 = 0
    var cutime: UInt64 = 0
    var cstime: UInt64 = 0
    var startTime: UInt64 = 100 * 100
    var dataPages = 256
    var residentPages = 128
    var rssAnonKiB: Int? = 400
    var slurmJob: Int?
    var hasStatus = true
    /// proc(5) field 9; 0x200000 (PF_KTHREAD) marks a kernel thread.
    var flags: UInt64 = 4_194_560

    init(
        pid: Int, ppid: Int = 1, pgrp: Int? = nil, comm: String = "worker", state: Character = "S", uid: UInt32 = 1000,
        utime: UInt64 = 0, stime: UInt64 = 0, cutime: UInt64 = 0, cstime: UInt64 = 0, startTime: UInt64 = 100 * 100,
        dataPages: Int = 256,
        residentPages: Int = 128, rssAnonKiB: Int? = 400, slurmJob: Int? = nil, hasStatus: Bool = true
    ) {
        self.pid = pid
        self.ppid = ppid
        self.pgrp = pgrp
        self.comm = comm
        self.state = state
        self.uid = uid
        self.utime = utime
        self.stime = stime
        self.cutime = cutime
        self.cstime = cstime
        self.startTime = startTime
        self.dataPages = dataPages
        self.residentPages = residentPages
        self.rssAnonKiB = rssAnonKiB
        self.slurmJob = slurmJob
        self.hasStatus = hasStatus
    }
}

extension FakeProcess {
    fileprivate var pgrpValue: Int { pgrp ?? pid }
}

/// A `CommandRunner` that replays recorded tool output keyed by the joined argument list.
struct RecordedCommandRunner: CommandRunner {
    var outputs: [String: Result<String, CommandError>]

    func run(_ arguments: [String], timeout: Duration) async throws -> String {
        guard let result = outputs[arguments.joined(separator: " ")] else {
            throw CommandError.spawnFailed(program: arguments.first ?? "", errno: 2)
        }
        return try result.get()
    }
}

/// A probe with canned answers, for sampler tests that are not about nvidia-smi parsing.
struct CannedGPUProbe: GPUProbe {
    var vendor = "canned"
    var usage: Result<[GPUProcessUsage], GPUProbeError>
    var cardList: [GPUCard] = []

    func processUsage() async throws -> [GPUProcessUsage] { try usage.get() }
    func cards() async throws -> [GPUCard] { cardList }
}

/// Runs one sample and parses each line back into fields with the shared free-CSV parser.
func sampleFields(
    _ procfs: FakeProcFS, gpu: [any GPUProbe] = [], options: SampleOptions = SampleOptions()
) async throws -> [[FreeCSVField]] {
    let sampler = try ProcessSampler(procfs: procfs, gpu: gpu, options: options)
    let lines = await sampler.sample()
    for line in lines {
        #expect(!line.contains("\n"), "a record must be one line")
    }
    return try lines.map { try FreeCSV.parse($0[...]) }
}

extension Array where Element == FreeCSVField {
    /// The value of a named field, nil when omitted.
    subscript(_ name: String) -> String? { first { $0.name == name }?.value }
    var names: [String] { map(\.name) }
}

extension Array where Element == [FreeCSVField] {
    /// The record with the given pid field.
    func record(pid: Int) -> [FreeCSVField]? { first { $0["pid"] == String(pid) } }
    func record(cmd: String) -> [FreeCSVField]? { first { $0["cmd"] == cmd } }
}
