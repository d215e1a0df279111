import FathomAgent
import FathomShared
import Testing

/// Output recorded from `nvidia-smi pmon -c 1 -s mu` on a 4-card node (driver 535 layout, with
/// jpg/ofa columns); card 3 is idle, so its row is all '-' placeholders.
let recordedPmon = """
    # gpu         pid   type     fb     sm    mem    enc    dec    jpg    ofa    command 
    # Idx           #    C/G     MB      %      %      %      %      %      %    name 
        0     1864615     C    1635     40      0      -      -      -      -    python         
        1     1864615     C     535      -      -      -      -      -      -    python         
        1     2233095     C   24395     84     23      -      -      -      -    python3        
        2     1448150     C    9383      -      -      -      -      -      -    python3        
        3           -     -       -      -      -      -      -      -      -    -              

    """

/// `--query-compute-apps=pid,used_memory --format=csv,noheader,nounits` from the same moment:
/// 3079002 holds memory but is in no pmon row and not in /proc.
let recordedComputeApps = """
    2233095, 24395
    3079002, 2350
    1864615, 1635

    """

let pmonArgs = "nvidia-smi pmon -c 1 -s mu"
let appsArgs = "nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits"
let cardsArgs = "nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits"

@Suite("GPU: NVIDIA", .timeLimit(.minutes(2)))
struct GPUNvidiaTests {
    static func recordedRunner() -> RecordedCommandRunner {
        RecordedCommandRunner(outputs: [
            pmonArgs: .success(recordedPmon), appsArgs: .success(recordedComputeApps),
            cardsArgs: .success("NVIDIA A100-SXM4-40GB, 40960\nNVIDIA A100-SXM4-40GB, 40960\n"),
        ])
    }

    /// /proc knows alice's 1864615 and bob's 2233095; 1448150 exited but still holds memory.
    static func procfs() -> FakeProcFS {
        var procfs = FakeProcFS()
        procfs.modules = ["nvidia"]
        procfs.add(FakeProcess(pid: 1_864_615, comm: "python", uid: 1000, utime: 900))
        procfs.add(FakeProcess(pid: 2_233_095, comm: "python3", uid: 1001, utime: 900))
        procfs.add(FakeProcess(pid: 555, comm: "bash", uid: 1001))
        return procfs
    }

    @Test("pmon rows are parsed by header, '-' placeholders read as 0 and idle cards skipped")
    func parsePmon() async throws {
        let probe = NvidiaProbe(runner: Self.recordedRunner())
        let usage = try await probe.processUsage()
        #expect(usage.count == 5)
        #expect(
            usage[0]
                == GPUProcessUsage(
                    pid: 1_864_615, card: 0, command: "python", gpuPercent: 40, memPercent: 0, memKiB: 1635 * 1024))
        #expect(
            usage[1]
                == GPUProcessUsage(
                    pid: 1_864_615, card: 1, command: "python", gpuPercent: 0, memPercent: 0, memKiB: 535 * 1024))
        #expect(usage[2].gpuPercent == 84 && usage[2].memPercent == 23 && usage[2].card == 1)
        // Only the compute-apps pid pmon did not list is added, with an unknown card.
        #expect(
            usage[4]
                == GPUProcessUsage(
                    pid: 3_079_002, card: nil, command: nil, gpuPercent: 0, memPercent: 0, memKiB: 2350 * 1024))
    }

    @Test("older pmon layout without jpg/ofa and with a second header pair")
    func olderLayout() async throws {
        let text = """
            # gpu        pid  type    sm   mem   enc   dec   command
            # Idx          #   C/G     %     %     %     %   name
            # gpu        pid  type    fb    sm   mem   enc   dec   command
            # Idx          #   C/G    MB     %     %     %     %   name
                0     447153     C  7669     -     -     -     -   python3.9      
                1    2233469     C 15771    90    23     -     -   python3        
            """
        let runner = RecordedCommandRunner(outputs: [pmonArgs: .success(text), appsArgs: .success("")])
        let usage = try await NvidiaProbe(runner: runner).processUsage()
        #expect(usage.map(\.pid) == [447_153, 2_233_469])
        #expect(usage.map(\.memKiB) == [7669 * 1024, 15771 * 1024])
        #expect(usage[1].gpuPercent == 90)
        #expect(usage[0].command == "python3.9")
    }

    @Test("GPU data merges into process records; missing pids become _zombie_ records")
    func mergeIntoSample() async throws {
        let procfs = Self.procfs()
        let probes = GPUDetection.probes(procfs: procfs, runner: Self.recordedRunner())
        #expect(probes.map(\.vendor) == ["nvidia"])
        let records = try await sampleFields(procfs, gpu: probes)
        #expect(records.count == 5)

        let alice = try #require(records.record(pid: 1_864_615))
        #expect(alice["user"] == "alice")
        #expect(alice["gpus"] == "0,1")
        #expect(alice["gpu%"] == "40")
        #expect(alice["gpumem%"] == nil)
        #expect(alice["gpukib"] == String((1635 + 535) * 1024))
        #expect(alice["gpufail"] == nil)

        let bob = try #require(records.record(pid: 2_233_095))
        #expect(bob["gpus"] == "1")
        #expect(bob["gpu%"] == "84")
        #expect(bob["gpumem%"] == "23")

        let exited = try #require(records.record(pid: 1_448_150))
        #expect(exited["user"] == "_zombie_1448150")
        #expect(exited["cmd"] == "python3")
        #expect(exited["gpus"] == "2")
        #expect(exited["gpukib"] == String(9383 * 1024))

        let unknown = try #require(records.record(pid: 3_079_002))
        #expect(unknown["user"] == "_zombie_3079002")
        #expect(unknown["cmd"] == "_unknown_")
        #expect(unknown["gpus"] == "unknown")

        #expect(records.record(pid: 555)?["gpus"] == nil)
    }

    @Test("the gpus list is quoted in the raw line")
    func quotedList() async throws {
        let sampler = try ProcessSampler(
            procfs: Self.procfs(), gpu: [NvidiaProbe(runner: Self.recordedRunner())], options: SampleOptions())
        let lines = await sampler.sample()
        let alice = try #require(lines.first { $0.contains("pid=1864615") })
        #expect(alice.contains(",\"gpus=0,1\","))
    }

    @Test(
        "a failing or timed-out probe puts gpufail=1 on every record",
        arguments: [
            CommandError.timedOut(program: "nvidia-smi"), .exited(program: "nvidia-smi", code: 1),
            .spawnFailed(program: "nvidia-smi", errno: 2), .notFound(program: "nvidia-smi"),
        ])
    func gpufail(_ error: CommandError) async throws {
        let runner = RecordedCommandRunner(outputs: [pmonArgs: .failure(error)])
        let records = try await sampleFields(Self.procfs(), gpu: [NvidiaProbe(runner: runner)])
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0["gpufail"] == "1" })
        #expect(records.allSatisfy { $0["gpus"] == nil })
    }

    @Test("gpufail also lands on the heartbeat, and garbage pmon output counts as failure")
    func gpufailHeartbeat() async throws {
        let runner = RecordedCommandRunner(outputs: [pmonArgs: .success("    x  y  z\n"), appsArgs: .success("")])
        let records = try await sampleFields(
            FakeProcFS(), gpu: [NvidiaProbe(runner: runner)], options: SampleOptions(includeLoad: true))
        #expect(records.count == 1)
        #expect(records[0]["cmd"] == "_heartbeat_")
        #expect(records[0]["gpufail"] == "1")
        #expect(Array(records[0].names.suffix(2)) == ["gpufail", "load"])
    }

    @Test("rollup unions card sets and sums GPU fields")
    func rollupGPU() async throws {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 10, comm: "srun", slurmJob: 5))
        procfs.add(FakeProcess(pid: 11, ppid: 10, comm: "train", slurmJob: 5))
        procfs.add(FakeProcess(pid: 12, ppid: 10, comm: "train", slurmJob: 5))
        let probe = CannedGPUProbe(
            usage: .success([
                GPUProcessUsage(pid: 11, card: 0, command: "train", gpuPercent: 70, memPercent: 45, memKiB: 1000),
                GPUProcessUsage(pid: 12, card: 3, command: "train", gpuPercent: 30.5, memPercent: 5, memKiB: 500),
            ]))
        let records = try await sampleFields(procfs, gpu: [probe], options: SampleOptions(rollup: true))
        let group = try #require(records.first { $0["rolledup"] == "1" })
        #expect(group["gpus"] == "0,3")
        #expect(group["gpu%"] == "100.5")
        #expect(group["gpumem%"] == "50")
        #expect(group["gpukib"] == "1500")
    }

    @Test("card list for sysinfo comes from --query-gpu")
    func cards() async throws {
        let cards = try await NvidiaProbe(runner: Self.recordedRunner()).cards()
        #expect(
            cards == [
                GPUCard(index: 0, model: "NVIDIA A100-SXM4-40GB", memoryKiB: 40960 * 1024),
                GPUCard(index: 1, model: "NVIDIA A100-SXM4-40GB", memoryKiB: 40960 * 1024),
            ])
    }
}
