import FathomAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Cost of one process sample: Fathom's sampler in-process and as a fork/exec'd binary, against
/// a reference measured in the same run, like for like: real sonar where it is installed (the
/// Rust sonar's `sonar ps`, else PyPI sonar 0.5.0's `sonar probe`), else `ps` (what sonar 0.5
/// shells out to). The bar compares exec'd with exec'd: `fathom-agent sample` must cost no more
/// CPU per sample than the reference on this machine, now. The in-process figure (the daemon's
/// real cost) is printed beside it, never divided by an exec'd figure.
struct AgentBenchmark {
    var samples: Int

    static let psArguments = ["-eo", "pid,user,pcpu,rss,cputime,args"]

    /// The reference tool: name for the report, path and arguments.
    struct Reference {
        var name: String
        var path: String
        var arguments: [String]
    }

    /// Real sonar when a `sonar` on PATH samples (`ps`, Rust sonar 0.12+; `probe`, PyPI 0.5.0),
    /// else `ps`.
    static func reference() throws -> Reference {
        if let sonar = Subprocess.which("sonar") {
            for arguments in [["ps"], ["probe"]]
            where (try? Subprocess.output(sonar, arguments)).map({ !$0.isEmpty }) == true {
                return Reference(name: "sonar \(arguments[0]) (\(sonar))", path: sonar, arguments: arguments)
            }
        }
        guard let ps = Subprocess.which("ps") else {
            throw Subprocess.Failure(description: "neither sonar nor ps on PATH")
        }
        return Reference(
            name: "ps \(psArguments.joined(separator: " ")) (no sonar installed)", path: ps, arguments: psArguments)
    }

    func run() async throws {
        print("== agent: \(samples) samples per tool ==")
        let inProcessCPU = try await measureInProcess()

        let reference = try Self.reference()
        let referenceCost = try SubprocessCost.measure(reference.path, reference.arguments, runs: samples)
        print("(b) reference, measured in this run: \(reference.name) (fork/exec)")
        print("    \(referenceCost.summary)")

        let agentPath = Self.siblingExecutable("fathom-agent")
        guard access(agentPath, X_OK) == 0 else {
            print("(c) fathom-agent sample: \(agentPath) not built (swift build -c release --product fathom-agent)")
            print("bar: not judged (no exec'd fathom-agent to compare with the exec'd reference)")
            return
        }
        let agentCost = try SubprocessCost.measure(agentPath, ["sample"], runs: samples)
        print("(c) \(agentPath) sample (fork/exec)")
        print("    \(agentCost.summary)")

        let ratio = agentCost.cpuPerRun / referenceCost.cpuPerRun
        print("ratio (CPU per sample, exec'd / exec'd): fathom-agent sample / \(reference.name) = \(fmt(ratio, 3))")
        print(
            "in-process (daemon) CPU per sample: \(fmt(inProcessCPU * 1000)) ms (no in-process reference to divide by)")
        print(
            "bar: fathom-agent sample CPU <= reference CPU (same run, both exec'd): "
                + "\(fmt(agentCost.cpuPerRun * 1000)) ms vs \(fmt(referenceCost.cpuPerRun * 1000)) ms \(verdict(ratio <= 1))"
        )
        let failed = try await AgentFootprint(agentPath: agentPath, runs: AgentFootprint.oneShotRuns).run()
        print("lightweight-agent bars: \(failed == 0 ? "all PASS" : "\(failed) FAIL")")
    }

    /// (a) The daemon's real cost: the sampler reused across samples in a long-lived process.
    /// Returns CPU seconds per sample.
    private func measureInProcess() async throws -> Double {
        let procfs = LinuxProcFS()
        let sampler = try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions())
        // One untimed sample first: it faults in code and fills lazily built caches, which a
        // daemon pays once at start-up, not per sample.
        let lines = await sampler.sample().count
        let clock = ContinuousClock()
        let before = ResourceUsage.selfCPU()
        let start = clock.now
        for _ in 0..<samples {
            _ = await sampler.sample()
        }
        let wall = (clock.now - start).seconds / Double(samples)
        let used = ResourceUsage.selfCPU() - before
        let n = Double(samples)
        print(
            "(a) in-process ProcessSampler.sample(): \(procfs.pids().count) processes in /proc, \(lines) lines per sample"
        )
        print(
            "    CPU per sample \(fmt(used.total / n * 1000)) ms (user \(fmt(used.user / n * 1000)) + sys \(fmt(used.system / n * 1000))), "
                + "wall per sample \(fmt(wall * 1000)) ms, peak RSS (VmHWM, whole bench process) \(ResourceUsage.peakRSSKiB() ?? -1) KiB"
        )
        return used.total / n
    }

    /// A binary in the same build directory as this one (/proc/self/exe resolves symlinks and
    /// relative invocations).
    static func siblingExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return name }
        let me = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(me[..<(me.lastIndex(of: "/") ?? me.startIndex)]) + "/" + name
    }
}
