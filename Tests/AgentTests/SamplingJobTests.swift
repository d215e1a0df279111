import FathomAgent
import FathomShared
import Testing

@Suite("Sampling: job ids", .timeLimit(.minutes(2)))
struct SamplingJobTests {
    @Test("Slurm job id comes from the first /job_<n>/ cgroup line")
    func slurmCgroup() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 300, comm: "lmp", slurmJob: 280_678))
        procfs.add(FakeProcess(pid: 301, comm: "sshd"))
        let records = try await sampleFields(procfs)
        #expect(records.record(pid: 300)?["job"] == "280678")
        #expect(records.record(pid: 301)?.names.contains("job") == false)
    }

    @Test(
        "cgroup v2 paths and unparseable ids",
        arguments: [
            ("0::/system.slice/slurmstepd.scope/job_3679/step_0/user/task_0\n", 3679),
            ("0::/system.slice/slurmstepd.scope/job_77\n", 77),
            ("5:cpuset:/slurm/job_abc/step_0\n9:memory:/slurm/job_12/\n", 0),
            ("0::/user.slice/user-1000.slice\n", 0),
        ])
    func cgroupVariants(_ cgroup: String, _ expected: Int) async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 310))
        procfs.files["310/cgroup"] = cgroup
        let r = try #require(try await sampleFields(procfs).first)
        #expect(r["job"] == (expected == 0 ? nil : String(expected)))
    }

    @Test("batchless mode uses the process group id and ignores cgroups")
    func batchless() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 400, ppid: 1, pgrp: 400, comm: "bash", slurmJob: 9))
        procfs.add(FakeProcess(pid: 401, ppid: 400, pgrp: 400, comm: "make"))
        procfs.add(FakeProcess(pid: 402, ppid: 401, pgrp: 400, comm: "cc1"))
        let records = try await sampleFields(procfs, options: SampleOptions(batchless: true))
        #expect(records.map { $0["job"] } == ["400", "400", "400"])
    }

    @Test("rollup together with batchless is rejected with a clear error")
    func rollupBatchlessExclusive() throws {
        #expect(throws: SampleOptionsError.rollupWithBatchless) {
            try ProcessSampler(procfs: FakeProcFS(), gpu: [], options: SampleOptions(rollup: true, batchless: true))
        }
        #expect(SampleOptionsError.rollupWithBatchless.description.contains("mutually exclusive"))
    }
}

@Suite("Sampling: rollup", .timeLimit(.minutes(2)))
struct SamplingRollupTests {
    /// Job 7: a launcher (500) with four identical leaf ranks and one different leaf; job 0 twins.
    static func jobTree() -> FakeProcFS {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 500, comm: "mpirun", slurmJob: 7))
        for pid in 501...504 {
            procfs.add(
                FakeProcess(
                    pid: pid, ppid: 500, comm: "lmp", utime: 2000, stime: 1000, dataPages: 1000, rssAnonKiB: 5000,
                    slurmJob: 7))
        }
        procfs.add(FakeProcess(pid: 505, ppid: 500, comm: "tee", slurmJob: 7))
        procfs.add(FakeProcess(pid: 600, comm: "lmp", utime: 100))
        procfs.add(FakeProcess(pid: 601, comm: "lmp", utime: 100))
        return procfs
    }

    @Test("leaves with the same job, parent and command merge; pid dropped, rolledup = n-1")
    func merges() async throws {
        let records = try await sampleFields(Self.jobTree(), options: SampleOptions(rollup: true))
        #expect(records.count == 5)
        let merged = try #require(records.first { $0["cmd"] == "lmp" && $0["job"] == "7" })
        #expect(merged["pid"] == nil)
        #expect(merged["ppid"] == "500")
        #expect(merged["rolledup"] == "3")
        // Four processes of 30 s CPU over 900 s each: 3.3 % each (rounded), summed.
        #expect(merged["cpu%"] == "13.2")
        #expect(merged["cputime_sec"] == "120")
        #expect(merged["cpukib"] == "16000")
        #expect(merged["rssanonkib"] == "20000")
        // A parent and a lone leaf stay as they are.
        #expect(records.record(pid: 500)?["rolledup"] == nil)
        #expect(records.record(pid: 505)?["cmd"] == "tee")
        // Job 0 means "unknown", and those are never merged.
        #expect(records.record(pid: 600) != nil)
        #expect(records.record(pid: 601) != nil)
    }

    @Test("without rollup every process is its own record")
    func noRollup() async throws {
        let records = try await sampleFields(Self.jobTree())
        #expect(records.count == 8)
        #expect(records.allSatisfy { $0["rolledup"] == nil && $0["pid"] != nil })
    }

    @Test("filters apply after rollup, so a group can pass where its members would not")
    func filtersAfterRollup() async throws {
        let options = SampleOptions(rollup: true, minCPUTimeSeconds: 100)
        let records = try await sampleFields(Self.jobTree(), options: options)
        #expect(records.count == 1)
        #expect(records.first?["rolledup"] == "3")
        let unrolled = try await sampleFields(Self.jobTree(), options: SampleOptions(minCPUTimeSeconds: 100))
        #expect(unrolled.map { $0["cmd"] } == ["_heartbeat_"])
    }
}
