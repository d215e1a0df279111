import FathomAgent
import FathomTestSupport
import Foundation

/// Time to trace a namespace path: `fathom-agent trace --queries 1` against `tracepath -n` (one
/// probe per hop until one answers), both as processes started in the client namespace with
/// `ip netns exec`, runs alternating, median wall times compared.
///
/// Two breakdown figures say where the agent's time goes: bare `ip netns exec … true` (what both
/// pay to start), and the same trace in-process (`TraceRun` on a thread inside the client
/// namespace), which is the probing alone; the rest is the agent's process start and exit. A
/// third, `fathom-start-floor` (an empty async main linked as the agent is), is the least any
/// Swift command pays for that start and exit, set against tracepath's whole run; a fourth,
/// `fathom-trace-floor` (one probe per TTL on one socket, a synchronous main, linked as the agent
/// is), is the least any Swift trace of the path pays.
struct TraceComparison {
    /// The agent's trace must take no longer than tracepath's.
    static let ratioBar = 1.0

    var path: NetnsPath
    var agentBinary: String
    var tracepath: String
    var runs: Int

    /// Runs the traces, prints the figures and returns the ratio agent / tracepath.
    @discardableResult
    func run() throws -> Double {
        let dest = path.serverAddress()
        let agentArgv = path.command(
            in: path.client, [agentBinary, "trace", dest, "--queries", "1", "--max-hops", "30", "--no-hostnames"])
        let tracepathArgv = path.command(in: path.client, [tracepath, "-n", "-m", "30", dest])
        print(
            "    path client -> \(path.routers.count) routers -> server \(dest) (hop \(path.routers.count + 1)), "
                + "\(runs) timed run(s) per tool, alternating")

        // One untimed run each for the hop lists; it also brings both binaries into the page cache.
        let agentHops = TraceHopList.agent(try output(agentArgv))
        let tracepathHops = TraceReferenceTools.parseTracepath(try output(tracepathArgv)).hops
        let expected = path.hopAddresses()
        print("    hops, fathom-agent trace --queries 1 --no-hostnames: \(agentHops.joined(separator: " "))")
        print("    hops, tracepath -n -m 30:                           \(tracepathHops.joined(separator: " "))")
        let same = agentHops == tracepathHops && agentHops == expected
        print(
            "    same hops as each other and as the path (\(expected.joined(separator: " "))): \(same ? "yes" : "NO")")

        var agentRuns = Runs()
        var tracepathRuns = Runs()
        for index in 0..<runs {
            for isAgent in index % 2 == 0 ? [true, false] : [false, true] {
                if isAgent { try agentRuns.time(agentArgv) } else { try tracepathRuns.time(tracepathArgv) }
            }
        }
        var startRuns = Runs()
        let trueArgv = path.command(in: path.client, [Subprocess.which("true") ?? "/bin/true"])
        for _ in 0..<runs { try startRuns.time(trueArgv) }
        let inProcess = try inProcessMilliseconds(dest)
        // The Swift floors, when built beside the bench (`swift build -c release` builds them).
        let floorBinary = AgentBenchmark.siblingExecutable("fathom-start-floor")
        var floorRuns = Runs()
        if FileManager.default.isExecutableFile(atPath: floorBinary) {
            for _ in 0..<runs { try floorRuns.time(path.command(in: path.client, [floorBinary])) }
        }
        let traceFloorBinary = AgentBenchmark.siblingExecutable("fathom-trace-floor")
        let traceFloorArgv = path.command(in: path.client, [traceFloorBinary, dest])
        var traceFloorRuns = Runs()
        var tracepathBesideFloor = Runs()
        var traceFloorHops: [String] = []
        if FileManager.default.isExecutableFile(atPath: traceFloorBinary) {
            traceFloorHops = TraceHopList.agent(try output(traceFloorArgv))
            for index in 0..<runs {
                for isFloor in index % 2 == 0 ? [true, false] : [false, true] {
                    if isFloor {
                        try traceFloorRuns.time(traceFloorArgv)
                    } else {
                        try tracepathBesideFloor.time(tracepathArgv)
                    }
                }
            }
        }

        let ratio = agentRuns.medianWall / tracepathRuns.medianWall
        print("    fathom-agent trace  \(agentRuns.summary)")
        print("    tracepath -n        \(tracepathRuns.summary)")
        print(
            "    ratio fathom-agent / tracepath (median wall) = \(fmt(ratio, 3)); bar <= \(fmt(Self.ratioBar)): \(verdict(ratio <= Self.ratioBar))"
        )
        print("    breakdown: ip netns exec true \(startRuns.summary)")
        print(
            "               in-process TraceRun.run() (same probes, thread in the client namespace): median \(fmt(inProcess, 3)) ms"
        )
        print(
            "               => fathom-agent process start + exit ~ \(fmt(agentRuns.medianWall - startRuns.medianWall - inProcess)) ms, "
                + "tracepath's ~ \(fmt(tracepathRuns.medianWall - startRuns.medianWall)) ms including its probes")
        if floorRuns.wall.isEmpty {
            print("    floor: skipped, fathom-start-floor is not built beside the bench")
        } else {
            let floorStart = floorRuns.medianWall - startRuns.medianWall
            print("    floor: fathom-start-floor (an empty async main, linked as the agent is) \(floorRuns.summary)")
            print(
                "           => a Swift program's start + exit alone ~ \(fmt(floorStart)) ms; "
                    + "floor / tracepath (median wall) = \(fmt(floorRuns.medianWall / tracepathRuns.medianWall, 3))")
        }
        if traceFloorRuns.wall.isEmpty {
            print("    trace floor: skipped, fathom-trace-floor is not built beside the bench")
        } else {
            print(
                "    trace floor: fathom-trace-floor (one probe per TTL on one socket, synchronous main, linked as the agent is) "
                    + "\(traceFloorRuns.summary), hops \(traceFloorHops == expected ? "the path's" : "WRONG: \(traceFloorHops)")"
            )
            print(
                "           => the least a Swift trace of this path pays; trace floor / tracepath (median wall, "
                    + "runs alternating with tracepath's, tracepath \(fmt(tracepathBesideFloor.medianWall, 3)) ms) = "
                    + "\(fmt(traceFloorRuns.medianWall / tracepathBesideFloor.medianWall, 3))")
        }
        return ratio
    }

    /// Wall and CPU milliseconds of repeated runs of one command (also `TraceHeldBackComparison`'s).
    struct Runs {
        var wall: [Double] = []
        var cpu: [Double] = []

        var medianWall: Double { Percentiles(wall).value(at: 50) }

        /// One run; exit statuses other than `accepting` are failures.
        mutating func time(_ argv: [String], accepting: Set<Int32> = [0]) throws {
            try InterruptCleanup.shared.checkpoint()
            let clock = ContinuousClock()
            let before = ResourceUsage.childrenCPU()
            let start = clock.now
            try Subprocess.runQuietly(argv[0], Array(argv.dropFirst()), accepting: accepting)
            wall.append((clock.now - start).seconds * 1000)
            cpu.append((ResourceUsage.childrenCPU() - before).total * 1000)
        }

        var summary: String {
            let spread = Percentiles(wall)
            return "median wall \(fmt(medianWall, 3)) ms (min \(fmt(wall.min() ?? 0, 3)), max \(fmt(spread.max, 3))), "
                + "CPU \(fmt(Percentiles(cpu).value(at: 50), 3)) ms per run"
        }
    }

    private func output(_ argv: [String]) throws -> String {
        try InterruptCleanup.shared.checkpoint()
        return try Subprocess.output(argv[0], Array(argv.dropFirst()))
    }

    /// The same trace run in this process on a thread inside the client namespace: one untimed
    /// run, then the median of `runs` timed ones, in milliseconds.
    private func inProcessMilliseconds(_ dest: String) throws -> Double {
        let parameters = try TraceParameters(dest: dest, queries: 1).validated()
        let runs = self.runs
        let times = try NamespaceThread.run(in: path.client) { () -> [Double]? in
            let clock = ContinuousClock()
            guard TraceRun(parameters: parameters).run().reached else { return nil }
            return (0..<runs).map { _ in
                let start = clock.now
                _ = TraceRun(parameters: parameters).run()
                return (clock.now - start).seconds * 1000
            }
        }
        guard let times else { throw Subprocess.Failure(description: "in-process trace to \(dest) did not reach it") }
        return Percentiles(times).value(at: 50)
    }
}
