import FathomAgent
import FathomShared
import Testing

@Suite("GPU: AMD", .timeLimit(.minutes(2)))
struct GPUAMDTests {
    static let concise = """

        ================================= Concise Info =================================
        GPU  Temp (DieEdge)  AvgPwr  SCLK     MCLK    Fan     Perf  PwrCap  VRAM%  GPU%  
        0    53.0c           220.0W  1576Mhz  945Mhz  10.98%  auto  220.0W   57%   99%   
        1    26.0c           3.0W    852Mhz   167Mhz  9.41%   auto  220.0W    5%   63%    
        ================================================================================
        """
    static let pidGPUs = """

        ============================= GPUs Indexed by PID ==============================
        PID 28156 is using 2 DRM device(s):
        0 1 
        PID 28154 is using 1 DRM device(s):
        0 
        ================================================================================
        """

    @Test("card utilization is split evenly among the processes on the card")
    func splitsUtilization() async throws {
        let runner = RecordedCommandRunner(outputs: [
            "rocm-smi": .success(Self.concise), "rocm-smi --showpidgpus": .success(Self.pidGPUs),
        ])
        let usage = try await AMDProbe(runner: runner).processUsage()
        let byKey = Dictionary(uniqueKeysWithValues: usage.map { ("\($0.pid)/\($0.card ?? -1)", $0) })
        #expect(usage.count == 3)
        #expect(byKey["28156/0"]?.gpuPercent == 49.5)
        #expect(byKey["28156/0"]?.memPercent == 28.5)
        #expect(byKey["28154/0"]?.gpuPercent == 49.5)
        #expect(byKey["28156/1"]?.gpuPercent == 63)
        #expect(byKey["28156/1"]?.memPercent == 5)
    }

    @Test("no KFD processes means no usage, not a failure")
    func idle() async throws {
        let idle = """
            ============================= GPUs Indexed by PID ==============================
            No KFD PIDs currently running
            ================================================================================
            """
        let runner = RecordedCommandRunner(outputs: [
            "rocm-smi": .success(Self.concise), "rocm-smi --showpidgpus": .success(idle),
        ])
        #expect(try await AMDProbe(runner: runner).processUsage().isEmpty)
    }

    @Test("product names and VRAM totals make the card list")
    func cards() async throws {
        let names = """
            ============================ Product Info ============================
            GPU[0]\t\t: Card series: \t\tNavi 21 [Radeon RX 6800/6800 XT / 6900 XT]
            GPU[0]\t\t: Card model: \t\t0x73bf
            GPU[1]\t\t: Card series: \t\tNavi 21 [Radeon RX 6800/6800 XT / 6900 XT]
            ======================================================================
            """
        let memory = """
            GPU[0]\t\t: VRAM Total Memory (B): 17163091968
            GPU[0]\t\t: VRAM Total Used Memory (B): 12345
            GPU[1]\t\t: VRAM Total Memory (B): 17163091968
            """
        let runner = RecordedCommandRunner(outputs: [
            "rocm-smi --showproductname": .success(names), "rocm-smi --showmeminfo vram": .success(memory),
        ])
        let cards = try await AMDProbe(runner: runner).cards()
        #expect(cards.map(\.index) == [0, 1])
        #expect(cards[0].model == "Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]")
        #expect(cards[1].memoryKiB == 17_163_091_968 / 1024)
    }

    @Test("vendor detection follows /sys/module")
    func detection() {
        var procfs = FakeProcFS()
        let runner = RecordedCommandRunner(outputs: [:])
        #expect(GPUDetection.probes(procfs: procfs, runner: runner).isEmpty)
        procfs.modules = ["amdgpu", "nvidia"]
        #expect(GPUDetection.probes(procfs: procfs, runner: runner).map(\.vendor) == ["nvidia", "amd"])
    }
}

@Suite("GPU: subprocess runner", .timeLimit(.minutes(2)))
struct GPUCommandRunnerTests {
    @Test("captures stdout of a real program")
    func capturesOutput() async throws {
        let out = try await SpawnCommandRunner().run(
            ["sh", "-c", "echo hello; echo err >&2; printf 'x'"], timeout: .seconds(30))
        #expect(out == "hello\nx")
    }

    @Test("non-zero exit, missing program and timeout are errors")
    func failures() async throws {
        let runner = SpawnCommandRunner()
        await #expect(throws: CommandError.exited(program: "sh", code: 3)) {
            try await runner.run(["sh", "-c", "exit 3"], timeout: .seconds(30))
        }
        await #expect(throws: CommandError.self) {
            try await runner.run(["fathom-no-such-program-xyz"], timeout: .seconds(30))
        }
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: CommandError.timedOut(program: "sleep")) {
            try await runner.run(["sleep", "60"], timeout: .milliseconds(300))
        }
        // The child was killed, not waited for (the bound leaves room for a loaded test machine).
        #expect(clock.now - start < .seconds(20))
        // Closing stdout does not let a hung child escape the deadline either.
        await #expect(throws: CommandError.timedOut(program: "sh")) {
            try await runner.run(["sh", "-c", "exec >&-; sleep 60"], timeout: .milliseconds(300))
        }
        #expect(clock.now - start < .seconds(40))
    }
}
