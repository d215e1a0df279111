import ArgumentParser
import FathomAgent

/// `fathom-agent sample`: one sample on stdout, like `sonar ps`.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Print one sample (free CSV) to stdout.")

    @OptionGroup var filters: SampleFilterOptions

    func run() async throws {
        var options = SampleOptions()
        filters.apply(to: &options)
        let procfs = LinuxProcFS()
        let sampler: ProcessSampler
        do {
            sampler = try ProcessSampler(
                procfs: procfs, gpu: GPUDetection.probes(procfs: procfs, runner: SpawnCommandRunner()), options: options
            )
        } catch {
            throw ValidationError("\(error)")
        }
        var out = ""
        for line in await sampler.sample() { out += line + "\n" }
        print(out, terminator: "")
    }
}

/// `fathom-agent sysinfo`: the node description JSON on stdout, like `sonar sysinfo`.
struct SysinfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sysinfo", abstract: "Print this node's sysinfo JSON to stdout.")

    func run() async throws {
        let procfs = LinuxProcFS()
        let collector = SysinfoCollector(
            procfs: procfs, gpu: GPUDetection.probes(procfs: procfs, runner: SpawnCommandRunner()))
        print(await collector.sysinfoJSON())
    }
}
