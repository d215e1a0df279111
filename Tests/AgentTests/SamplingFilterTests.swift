import FathomAgent
import FathomShared
import Testing

@Suite("Sampling: filters and heartbeat", .timeLimit(.minutes(2)))
struct SamplingFilterTests {
    /// root daemon (system), alice's busy job, bob's idle shell with big memory, alice's ssh.
    static func mixed() -> FakeProcFS {
        var procfs = FakeProcFS(memTotalKiB: 1_000_000)
        procfs.add(FakeProcess(pid: 100, comm: "systemd-journal", uid: 0, utime: 9000, residentPages: 100))
        procfs.add(FakeProcess(pid: 200, comm: "python", uid: 1000, utime: 45_000, residentPages: 1000))
        procfs.add(FakeProcess(pid: 300, comm: "bash", uid: 1001, utime: 10, residentPages: 50_000))
        procfs.add(FakeProcess(pid: 400, comm: "sshd", uid: 1000, utime: 10, residentPages: 10))
        return procfs
    }

    func pids(_ options: SampleOptions) async throws -> [String] {
        try await sampleFields(Self.mixed(), options: options).compactMap { $0["pid"] }.sorted()
    }

    @Test("inclusion filters: a record must pass at least one of those given")
    func inclusion() async throws {
        // python: 450 s over 900 s = 50 %; systemd-journal: 10 %.
        #expect(try await pids(SampleOptions(minCPUPercent: 20)) == ["200"])
        // bash: 50 000 pages = 200 000 KiB = 20 % of MemTotal.
        #expect(try await pids(SampleOptions(minMemPercent: 15)) == ["300"])
        #expect(try await pids(SampleOptions(minCPUTimeSeconds: 90)) == ["100", "200"])
        #expect(try await pids(SampleOptions(minCPUPercent: 20, minMemPercent: 15)) == ["200", "300"])
    }

    @Test("exclusion filters: system jobs, exact users, command prefixes")
    func exclusion() async throws {
        #expect(try await pids(SampleOptions(excludeSystemJobs: true)) == ["200", "300", "400"])
        #expect(try await pids(SampleOptions(excludeUsers: ["bob", "alic"])) == ["100", "200", "400"])
        #expect(try await pids(SampleOptions(excludeCommands: ["ssh", "ba", "pythonx"])) == ["100", "200"])
        let production = SampleOptions(
            minCPUTimeSeconds: 60, excludeSystemJobs: true, excludeCommands: ["bash", "ssh", "zsh", "tmux", "systemd"])
        #expect(try await pids(production) == ["200"])
    }

    @Test("a heartbeat line is printed when nothing passes")
    func heartbeat() async throws {
        let records = try await sampleFields(Self.mixed(), options: SampleOptions(minCPUTimeSeconds: 100_000))
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.names == ["v", "time", "host", "user", "cmd"])
        #expect(r["user"] == "_sonar_")
        #expect(r["cmd"] == "_heartbeat_")
        #expect(r["host"] == "node1.example")
        #expect(SonarTimestamp.parse(r["time"]![...])?.epochSeconds == FakeProcFS.bootTime + 1000)
    }

    @Test("an empty /proc also yields only the heartbeat")
    func emptyProc() async throws {
        let records = try await sampleFields(FakeProcFS())
        #expect(records.map { $0["cmd"] } == ["_heartbeat_"])
    }
}

@Suite("Sampling: load field", .timeLimit(.minutes(2)))
struct SamplingLoadTests {
    @Test("base-45 test vectors from sonar")
    func vectors() {
        #expect(LoadEncoding.encode([1, 30, 89, 12]) == ")(t*1b")
        #expect(LoadEncoding.encode(897) == "&J")
        #expect(LoadEncoding.encode(0) == "(")
        #expect(LoadEncoding.encode([]) == "")
    }

    @Test("load goes on the first record only, from per-CPU busy ticks of /proc/stat")
    func firstRecordOnly() async throws {
        // Busy ticks 100, 3000, 8900, 1200 at 100 Hz = [1, 30, 89, 12] s.
        var procfs = FakeProcFS(cpuTicks: [100, 3000, 8900, 1200])
        procfs.add(FakeProcess(pid: 1, ppid: 0, comm: "init", uid: 0))
        procfs.add(FakeProcess(pid: 2, ppid: 0, comm: "kthreadd", uid: 0))
        let records = try await sampleFields(procfs, options: SampleOptions(includeLoad: true))
        #expect(records.count == 2)
        #expect(records[0]["load"] == ")(t*1b")
        #expect(records[0].names.last == "load")
        #expect(records[1]["load"] == nil)
        let plain = try await sampleFields(procfs)
        #expect(plain.allSatisfy { $0["load"] == nil })
    }

    @Test("the heartbeat carries load when requested")
    func heartbeatLoad() async throws {
        let procfs = FakeProcFS(cpuTicks: [89_700, 89_700])
        let records = try await sampleFields(procfs, options: SampleOptions(includeLoad: true))
        #expect(records.map { $0["cmd"] } == ["_heartbeat_"])
        #expect(records.first?["load"] == "&J((")
    }
}
