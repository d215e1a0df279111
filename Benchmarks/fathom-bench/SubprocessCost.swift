/// What N back-to-back runs of an external tool cost, fork/exec included.
struct SubprocessCost {
    var runs: Int
    /// Children's CPU per run, from getrusage(RUSAGE_CHILDREN) deltas over the whole loop.
    var cpu: CPUSeconds
    var wallPerRun: Double
    /// Output lines of one extra run, to show that the tool did comparable work.
    var lines: Int

    var cpuPerRun: Double { cpu.total }

    /// Runs `path args` `runs` times sequentially, like a timer firing the tool.
    static func measure(_ path: String, _ args: [String], runs: Int) throws -> SubprocessCost {
        let lines = try Subprocess.output(path, args).split(separator: "\n").count
        let clock = ContinuousClock()
        let before = ResourceUsage.childrenCPU()
        let start = clock.now
        for _ in 0..<runs {
            try Subprocess.runQuietly(path, args)
        }
        let wall = (clock.now - start).seconds
        let cpu = ResourceUsage.childrenCPU() - before
        return SubprocessCost(
            runs: runs, cpu: CPUSeconds(user: cpu.user / Double(runs), system: cpu.system / Double(runs)),
            wallPerRun: wall / Double(runs), lines: lines)
    }

    /// One indented line of figures, milliseconds per run.
    var summary: String {
        "CPU per run \(fmt(cpu.total * 1000)) ms (user \(fmt(cpu.user * 1000)) + sys \(fmt(cpu.system * 1000))), "
            + "wall per run \(fmt(wallPerRun * 1000)) ms, \(lines) output lines"
    }
}
