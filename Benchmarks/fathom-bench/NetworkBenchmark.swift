import ArgumentParser
import FathomTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-bench network`: the agent's network probes against the reference tools, each side a
/// process of the release `fathom-agent` next to this binary, just as the references run:
///
/// - (a) TCP throughput on loopback, agent client + responder vs `iperf3 -c` + `iperf3 -s`;
/// - (b) the same across a namespace path client — router — server (veth pairs, forwarding);
/// - (c) the time of `fathom-agent trace` vs `tracepath -n` over client — r1 — r2 — server;
/// - (d) UDP pacing (sender rate against `-b`) and loss on loopback, agent vs iperf3;
/// - (e) the time of `fathom-agent trace` vs `traceroute -n` and `tracepath -n` on paths that
///   hold answers back: a silent destination, and Linux's default ICMP rate limits;
/// - (f) `fathom-agent rtt` vs `ping` on loopback, 100 echo requests at 10 ms.
///
/// The bench makes its own namespaces (names carry its pid) and always removes them, and kills
/// every process it started, also when a part fails or the bench is interrupted. A part that
/// cannot run here (no namespaces, a tool missing) prints why and is skipped.
struct NetworkBenchmark {
    var duration: Int
    var rounds: Int
    var traceRuns: Int
    /// The `-b` of the UDP pacing part, bits per second per stream.
    var udpBitsPerSecond: Int = 50_000_000

    /// Runs the parts; an interrupted run ends with exit status 128 + the signal, after cleanup.
    func run() throws {
        InterruptCleanup.shared.install()
        do {
            try runParts()
        } catch let interrupted as InterruptCleanup.Interrupted {
            print("    stopped: \(interrupted); processes killed, namespaces removed")
            throw ExitCode(128 + interrupted.signal)
        }
    }

    private func runParts() throws {
        print("== network: throughput vs iperf3, trace time vs tracepath ==")
        let agent = AgentBenchmark.siblingExecutable("fathom-agent")
        guard access(agent, X_OK) == 0 else {
            print("skipped: \(agent) not built (swift build -c release --product fathom-agent)")
            return
        }
        let scratch = TempDirectory.benchScratch("fathom-bench-network")
        defer { scratch.remove() }
        var failures = 0

        if let iperf3 = Subprocess.which("iperf3") {
            let comparison = ThroughputComparison(
                agent: .agent(agent), reference: .iperf3(iperf3), seconds: duration, rounds: rounds,
                scratch: scratch.path)
            print("(a) TCP throughput, \(agent) throughput/responder vs \(iperf3) -c/-s")
            failures += try part { try comparison.run(on: .loopback) }
            print("(b) TCP throughput across network namespaces (ip netns exec on each side)")
            failures += try part { try withPath(routers: 1) { try comparison.run(on: .across($0)) } }
        } else {
            print("(a), (b) TCP throughput: skipped, iperf3 not on PATH")
        }

        print("(c) trace time, \(agent) trace vs tracepath, 3-hop namespace path")
        if let tracepath = Subprocess.which("tracepath") {
            failures += try part {
                try withPath(routers: 2) { path in
                    try TraceComparison(path: path, agentBinary: agent, tracepath: tracepath, runs: traceRuns).run()
                }
            }
        } else {
            print("    skipped: tracepath not on PATH (iputils-tracepath)")
        }
        print("(d) UDP pacing and loss, \(agent) throughput --udp/responder vs iperf3 -c -u/-s")
        if let iperf3 = Subprocess.which("iperf3") {
            failures += try part {
                try UDPPacingComparison(
                    agent: agent, iperf3: iperf3, bitsPerSecond: udpBitsPerSecond, seconds: duration, rounds: rounds,
                    scratch: scratch.path
                ).run()
            }
        } else {
            print("    skipped: iperf3 not on PATH")
        }
        print(
            "(e) trace time on paths that hold answers back, \(agent) trace vs traceroute and tracepath "
                + "(bar <= 1.5x traceroute)")
        if let traceroute = TraceReferenceTools.traceroute {
            for scenario in [TraceHeldBackComparison.Scenario.silentDestination, .rateLimited] {
                failures += try part {
                    try withPath(routers: 2) { path in
                        try TraceHeldBackComparison(
                            path: path, agentBinary: agent, traceroute: traceroute,
                            tracepath: Subprocess.which("tracepath"),
                            runs: traceRuns
                        ).run(scenario)
                    }
                }
            }
        } else {
            print("    skipped: traceroute not on PATH (traceroute)")
        }
        print("(f) rtt, \(agent) rtt vs ping, loopback")
        if let ping = Subprocess.which("ping") {
            failures += try part { try RTTComparison(agentBinary: agent, ping: ping, runs: traceRuns).run() }
        } else {
            print("    skipped: ping not on PATH (iputils-ping)")
        }
        if failures > 0 { throw Subprocess.Failure(description: "\(failures) network part(s) failed") }
    }

    /// Runs one part; a failure is printed and counted so the other parts still run, but an
    /// interruption stops them all.
    private func part(_ body: () throws -> Void) throws -> Int {
        do {
            try body()
            return 0
        } catch let interrupted as InterruptCleanup.Interrupted {
            throw interrupted
        } catch {
            print("    FAILED: \(error)")
            return 1
        }
    }

    /// Builds a namespace path for `body` and removes it afterwards, whatever happens; where
    /// namespaces cannot be made, says why and skips.
    private func withPath(routers: Int, _ body: (NetnsPath) throws -> Void) throws {
        try InterruptCleanup.shared.checkpoint()
        let made: NetnsPath?
        do {
            made = try NetnsPath.make(routers: routers, prefix: "fb\(getpid() % 100_000)n\(routers)")
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            print("    skipped: \(reason)")
            made = nil
        }
        guard let path = made else { return }
        InterruptCleanup.shared.track(path)
        defer {
            path.remove()
            InterruptCleanup.shared.forget(path)
        }
        try InterruptCleanup.shared.checkpoint()
        try body(path)
    }
}
