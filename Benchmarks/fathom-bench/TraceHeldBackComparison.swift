import FathomTestSupport
import Foundation

/// Time to trace a path that holds answers back, `fathom-agent trace` against `traceroute -n`
/// and `tracepath -n` in the same run, each a process started in the client namespace of a
/// two-router `NetnsPath` (client — r1 — r2 — server, the server at hop 3), runs rotating the
/// order of the tools, median wall times compared (issue 12's bar: ≤ 1.5× traceroute):
///
/// - silent destination: the server sends no ICMP at all (`-m 6`), so every tool waits out
///   the probes past hop 2 — the agent once, after `silentHops` silent TTLs;
/// - rate-limited: every namespace on Linux's default ICMP limits (`-m 8`), so probes past the
///   destination's burst go unanswered; each run starts after a pause that refills the per-peer
///   buckets (a burst of 6 refilled at 1/s), as two traces of one path minutes apart would.
///
/// The agent's process start (`fathom-agent --help` in the namespace, right after each of its
/// traces) is printed beside it: in a debug build it is most of a millisecond-scale trace.
struct TraceHeldBackComparison {
    /// The agent's median wall time must be within this many times traceroute's.
    static let ratioBar = 1.5

    /// One way of holding answers back.
    struct Scenario: Sendable {
        var name: String
        var maxHops: Int
        /// Sleep before every timed run (lets the kernel's ICMP buckets refill).
        var pause: Duration
        /// Silences what the scenario silences.
        var setup: @Sendable (NetnsPath) throws -> Void

        static let silentDestination = Scenario(name: "silent destination", maxHops: 6, pause: .zero) { path in
            try path.exec(path.server, "sysctl", "-qw", NetnsPath.silentICMPRateLimit)
        }
        static let rateLimited = Scenario(
            name: "default kernel ICMP rate limits", maxHops: 8, pause: .milliseconds(6500)
        ) { path in
            for namespace in path.namespaces {
                try path.exec(namespace, ["sysctl", "-qw"] + NetnsPath.defaultICMPRateLimits)
            }
        }
    }

    var path: NetnsPath
    var agentBinary: String
    var traceroute: String
    var tracepath: String?
    var runs: Int

    /// Sets the scenario up on `path`, times the tools, prints the figures and returns the ratio
    /// agent / traceroute of median wall times.
    @discardableResult
    func run(_ scenario: Scenario) throws -> Double {
        try scenario.setup(path)
        let dest = path.serverAddress()
        let hops = "\(scenario.maxHops)"
        let agentArgv = path.command(
            in: path.client, [agentBinary, "trace", dest, "--no-hostnames", "--no-as", "--max-hops", hops])
        var tools: [(name: String, argv: [String])] = [
            ("fathom-agent trace", agentArgv),
            ("traceroute -n", path.command(in: path.client, [traceroute, "-n", "-m", hops, dest])),
        ]
        if let tracepath {
            tools.append(("tracepath -n", path.command(in: path.client, [tracepath, "-n", "-m", hops, dest])))
        }
        let pauseNote = scenario.pause > .zero ? ", \(fmt(scenario.pause.seconds, 1)) s pause before each" : ""
        print("    \(scenario.name): -m \(hops), \(runs) timed run(s) per tool, order rotating\(pauseNote)")

        var times = Array(repeating: TraceComparison.Runs(), count: tools.count)
        // The agent's start is timed right after each of its traces, under the same load.
        var start = TraceComparison.Runs()
        let helpArgv = path.command(in: path.client, [agentBinary, "--help"])
        for index in 0..<runs {
            for step in 0..<tools.count {
                let tool = (index + step) % tools.count
                if scenario.pause > .zero { Thread.sleep(forTimeInterval: scenario.pause.seconds) }
                // A trace that does not reach its destination exits 1 (the agent, tracepath).
                try times[tool].time(tools[tool].argv, accepting: [0, 1])
                if tool == 0 { try start.time(helpArgv) }
            }
        }

        for (tool, runs) in zip(tools, times) {
            print("      \(tool.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(runs.summary)")
        }
        print("      fathom-agent --help (its process start) \(start.summary)")
        let agent = times[0].medianWall
        let reference = times[1].medianWall
        let ratio = agent / reference
        print(
            "      ratio fathom-agent / traceroute (median wall) = \(fmt(ratio, 3)); bar <= \(fmt(Self.ratioBar)): "
                + verdict(ratio <= Self.ratioBar))
        if times.count > 2 {
            print("      ratio fathom-agent / tracepath (median wall) = \(fmt(agent / times[2].medianWall, 3))")
        }
        let withoutStart = max(0, agent - start.medianWall) / reference
        print("      without its process start: fathom-agent / traceroute = \(fmt(withoutStart, 3))")
        return ratio
    }
}
