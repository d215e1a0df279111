import FathomAgent
import FathomShared
import FoundationEssentials
import Testing

@Suite("Sysinfo", .timeLimit(.minutes(2)))
struct SysinfoTests {
    /// Two sockets × 2 cores × 2 threads, abbreviated x86_64 /proc/cpuinfo.
    static func cpuinfo() -> String {
        var text = ""
        for cpu in 0..<8 {
            text += """
                processor\t: \(cpu)
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz
                physical id\t: \(cpu / 4)
                siblings\t: 4
                core id\t\t: \(cpu % 2)
                cpu cores\t: 2
                flags\t\t: fpu vme de pse

                """
        }
        return text
    }

    static func decode(_ json: String) throws -> SysinfoReport {
        try SysinfoReport(json: try JSONText.parse(Array(json.utf8)))
    }

    @Test("cpuinfo topology: sockets, cores per socket, hyperthreading")
    func topology() {
        let cpu = CPUInfo(parsing: Self.cpuinfo())
        #expect(
            cpu
                == CPUInfo(
                    model: "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", sockets: 2, coresPerSocket: 2, threadsPerCore: 2)
        )
        #expect(cpu.logicalCPUs == 8)
        let arm = CPUInfo(parsing: "processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n")
        #expect(arm.sockets == 1 && arm.coresPerSocket == 2 && arm.threadsPerCore == 1)
    }

    @Test("sysinfo JSON without GPUs decodes back to sonar 0.12's fields")
    func withoutGPU() async throws {
        var procfs = FakeProcFS(memTotalKiB: 24_000_000)
        procfs.files["cpuinfo"] = Self.cpuinfo()
        let json = await SysinfoCollector(procfs: procfs, gpu: []).sysinfoJSON()
        #expect(!json.contains("\n"))
        let report = try Self.decode(json)
        #expect(report.timestamp == "2023-11-14T23:30:00+01:00")
        #expect(report.hostname == "node1.example")
        #expect(report.description == "2x2 (hyperthreaded) Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz, 23 GiB")
        #expect(report.cpuCores == 8)
        #expect(report.memGB == 23)
        #expect(report.gpuCards == 0)
        #expect(report.gpumemGB == 0)
        // The snake_case keys sonalyze reads must be the ones on the wire.
        for key in ["\"cpu_cores\":8", "\"mem_gb\":23", "\"gpu_cards\":0", "\"gpumem_gb\":0"] {
            #expect(json.contains(key))
        }
    }

    @Test("GPU cards from recorded nvidia-smi output extend the description")
    func withGPU() async throws {
        var procfs = FakeProcFS(memTotalKiB: 528_000_000)
        procfs.files["cpuinfo"] = Self.cpuinfo()
        procfs.modules = ["nvidia"]
        let probes = GPUDetection.probes(procfs: procfs, runner: GPUNvidiaTests.recordedRunner())
        let report = try Self.decode(await SysinfoCollector(procfs: procfs, gpu: probes).sysinfoJSON())
        #expect(report.description.hasSuffix(", 504 GiB, 2x NVIDIA A100-SXM4-40GB @ 40GiB"))
        #expect(report.gpuCards == 2)
        #expect(report.gpumemGB == 80)
    }

    @Test("a failing GPU tool leaves sysinfo without cards instead of failing")
    func failingGPU() async throws {
        var procfs = FakeProcFS()
        procfs.files["cpuinfo"] = Self.cpuinfo()
        let runner = RecordedCommandRunner(outputs: [cardsArgs: .failure(.timedOut(program: "nvidia-smi"))])
        let report = try Self.decode(
            await SysinfoCollector(procfs: procfs, gpu: [NvidiaProbe(runner: runner)]).sysinfoJSON())
        #expect(report.gpuCards == 0)
        #expect(!report.hostname.isEmpty)
    }
}
