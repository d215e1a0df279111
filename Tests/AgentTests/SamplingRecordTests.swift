import FathomAgent
import FathomShared
import Testing

@Suite("Sampling: per-process fields", .timeLimit(.minutes(2)))
struct SamplingRecordTests {
    @Test("a process yields sonar 0.12 fields in order, with sonar's units")
    func basicRecord() async throws {
        var procfs = FakeProcFS()
        procfs.add(
            FakeProcess(
                pid: 4242, ppid: 4200, comm: "python3", utime: 30_000, stime: 15_000, cutime: 100, cstime: 49,
                dataPages: 256, rssAnonKiB: 400))
        let records = try await sampleFields(procfs)
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(
            r.names == [
                "v", "time", "host", "user", "cmd", "pid", "ppid", "cpu%", "cpukib", "rssanonkib", "cputime_sec",
            ])
        #expect(r["v"] == "0.12.2")
        #expect(r["time"] == "2023-11-14T23:30:00+01:00")
        #expect(r["host"] == "node1.example")
        #expect(r["user"] == "alice")
        #expect(r["cmd"] == "python3")
        #expect(r["pid"] == "4242")
        #expect(r["ppid"] == "4200")
        // 450 s of CPU over 900 s since the process started.
        #expect(r["cpu%"] == "50")
        #expect(r["cpukib"] == "1024")
        #expect(r["rssanonkib"] == "400")
        // (utime+stime+cutime+cstime) = 451.49 s, rounded.
        #expect(r["cputime_sec"] == "451")
        #expect(r["job"] == nil)
    }

    @Test("cpu% is rounded to one decimal, and cputime rounds half up")
    func cpuPercentRounding() async throws {
        var procfs = FakeProcFS()
        // 1.23 s busy over 900 s = 0.137 % → 0.1; 1.5 s cputime → 2.
        procfs.add(FakeProcess(pid: 10, utime: 100, stime: 23, cutime: 27))
        let r = try #require(try await sampleFields(procfs).first)
        #expect(r["cpu%"] == "0.1")
        #expect(r["cputime_sec"] == "2")
    }

    @Test("every line of one sample carries the same time")
    func sameTime() async throws {
        var procfs = FakeProcFS()
        for pid in 100..<140 { procfs.add(FakeProcess(pid: pid, utime: UInt64(pid))) }
        let records = try await sampleFields(procfs)
        #expect(records.count == 40)
        #expect(Set(records.compactMap { $0["time"] }) == ["2023-11-14T23:30:00+01:00"])
    }

    @Test("zero-valued optional fields are omitted")
    func defaultsOmitted() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 2, ppid: 0, comm: "kthreadd", uid: 0, dataPages: 0, rssAnonKiB: nil))
        let r = try #require(try await sampleFields(procfs).first)
        #expect(r.names == ["v", "time", "host", "user", "cmd", "pid"])
        #expect(r["user"] == "root")
    }

    @Test("unknown uid becomes _noinfo_<uid>")
    func unknownUser() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 77, uid: 54321))
        let r = try #require(try await sampleFields(procfs).first)
        #expect(r["user"] == "_noinfo_54321")
    }

    @Test("zombies get ' <defunct>', dead (X) processes are skipped")
    func zombiesAndDead() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 50, comm: "make", state: "Z", rssAnonKiB: nil))
        procfs.add(FakeProcess(pid: 51, comm: "gone", state: "X"))
        procfs.add(FakeProcess(pid: 52, comm: "alive", state: "R"))
        let records = try await sampleFields(procfs)
        #expect(records.map { $0["cmd"] ?? "" }.sorted() == ["alive", "make <defunct>"])
    }

    @Test("vanished pids and processes without a status file are skipped silently")
    func vanished() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 60, comm: "left"))
        procfs.add(FakeProcess(pid: 61, comm: "nostatus", hasStatus: false))
        procfs.add(FakeProcess(pid: 62, comm: "stays"))
        procfs.vanish(pid: 60)
        let records = try await sampleFields(procfs)
        #expect(records.map { $0["cmd"] } == ["stays"])
    }

    @Test("kernel threads without RssAnon are kept with rssanonkib omitted")
    func kernelThread() async throws {
        var procfs = FakeProcFS()
        procfs.add(
            FakeProcess(
                pid: 15, ppid: 2, comm: "rcu_preempt", uid: 0, utime: 150, stime: 50, dataPages: 0, rssAnonKiB: nil))
        let r = try #require(try await sampleFields(procfs).first)
        #expect(r["cmd"] == "rcu_preempt")
        #expect(r["rssanonkib"] == nil)
        #expect(r["cputime_sec"] == "2")
    }

    @Test("kernel threads (PF_KTHREAD) are reported without reading their memory or cgroup")
    func kernelThreadFlagSkipsFiles() async throws {
        var procfs = FakeProcFS()
        var kthread = FakeProcess(pid: 40, ppid: 2, comm: "kworker/0:1", uid: 0, dataPages: 999, slurmJob: 77)
        kthread.flags = 0x0020_8040
        procfs.add(kthread)
        procfs.add(FakeProcess(pid: 41, comm: "user-proc", dataPages: 10, slurmJob: 77))
        let records = try await sampleFields(procfs)
        let k = try #require(records.record(pid: 40))
        #expect(k["cmd"] == "kworker/0:1")
        #expect(k["job"] == nil && k["cpukib"] == nil && k["rssanonkib"] == nil)
        let u = try #require(records.record(pid: 41))
        #expect(u["job"] == "77" && u["cpukib"] == "40")
    }
}

@Suite("Sampling: odd command names", .timeLimit(.minutes(2)))
struct SamplingCommandNameTests {
    @Test(
        "comm is the text between the first '(' and the last ')' and survives quoting",
        arguments: [
            "Web Content", "(sd-pam)", "a) b (c", "tmux: server", "x,y", "say \"hi\"", ")(", "a,\"b\",c",
        ])
    func oddNames(_ name: String) async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 900, ppid: 899, comm: name, utime: 900))
        let sampler = try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions())
        let line = try #require(await sampler.sample().first)
        let r = try FreeCSV.parse(line[...])
        #expect(r["cmd"] == name)
        // The fields after comm must still be read from the right columns.
        #expect(r["ppid"] == "899")
        #expect(r["cputime_sec"] == "9")
        if name.contains(",") || name.contains("\"") {
            let doubled = name.replacing("\"", with: "\"\"")
            #expect(line.contains("\"cmd=\(doubled)\""))
        } else {
            #expect(line.contains(",cmd=\(name),"))
        }
    }

    @Test("control characters in comm are replaced by spaces")
    func controlCharacters() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 901, comm: "evil\nname\tx\u{7}", utime: 100))
        let sampler = try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions())
        let lines = await sampler.sample()
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
        let r = try FreeCSV.parse(line[...])
        #expect(r["cmd"] == "evil name x ")
        #expect(r["pid"] == "901")
    }
}
