import FathomAgent

/// `fathom-agent sample`: one sample on stdout, like `sonar ps`.
struct SampleCommand: AsyncSubcommand {
    static let name = "sample"
    static let spec = CommandSpec(
        name: name, abstract: "Print one sample (free CSV) to stdout.", options: SampleFilterOptions.declarations)

    let filters: SampleFilterOptions

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        filters = try SampleFilterOptions(parsed)
    }

    /// Without GPUs to probe, the whole sample is read on the main thread.
    func runOnThisThread() throws -> Bool {
        guard let lines = try sampler().sampleOnThisThread() else { return false }
        Self.write(lines)
        return true
    }

    func run() async throws {
        Self.write(try await sampler().sample())
    }

    private func sampler() throws(CommandLineError) -> ProcessSampler {
        var options = SampleOptions()
        filters.apply(to: &options)
        let procfs = LinuxProcFS()
        do {
            return try ProcessSampler(
                procfs: procfs, gpu: GPUDetection.probes(procfs: procfs, runner: SpawnCommandRunner()), options: options
            )
        } catch {
            throw CommandLineError("\(error)")
        }
    }

    private static func write(_ lines: [String]) {
        var out = ""
        for line in lines { out += line + "\n" }
        StandardStreams.write(out)
    }
}

/// `fathom-agent sysinfo`: the node description JSON on stdout, like `sonar sysinfo`.
struct SysinfoCommand: AsyncSubcommand {
    static let name = "sysinfo"
    static let spec = CommandSpec(name: name, abstract: "Print this node's sysinfo JSON to stdout.")

    init(_ parsed: ParsedCommandLine) {}

    func run() async throws {
        let procfs = LinuxProcFS()
        let collector = SysinfoCollector(
            procfs: procfs, gpu: GPUDetection.probes(procfs: procfs, runner: SpawnCommandRunner()))
        StandardStreams.write(await collector.sysinfoJSON() + "\n")
    }
}
