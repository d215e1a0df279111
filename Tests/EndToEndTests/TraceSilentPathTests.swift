import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// Paths that hold answers back, each traced by the built `fathom-agent trace` and by
/// `traceroute -n` in the same client namespace of a two-router `NetnsPath`
/// (client — r1 — r2 — server, the server at hop 3), runs alternating: the same hops, `*` where
/// traceroute has one, and the agent's best wall time within 1.5× of traceroute's best. The
/// agent's process start (a `fathom-agent --help` run, timed just before each of its traces) is
/// left out of its time: it is no part of the trace.
///
/// A namespace stays silent by having its ICMP rate limit (`net.ipv4.icmp_ratelimit`) set beyond
/// what the first burst can pay: it then sends no time-exceeded or unreachable at all.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TraceSilentPathTests {
    /// Milliseconds between two ICMP errors to one peer that no burst can reach: silence.
    static let silentRateLimit = NetnsPath.silentICMPRateLimit
    /// Linux's defaults (`NetnsPath` turns the limits off, these turn them back on).
    static let defaultRateLimits = NetnsPath.defaultICMPRateLimits

    @Test func destinationDroppingProbesCostsOneWaitLikeTraceroute() async throws {
        try await compare("destinationDroppingProbes", maxHops: 6) { path in
            try path.exec(path.server, "sysctl", "-qw", Self.silentRateLimit)
            return ["10.10.1.1", "10.10.2.2", "*", "*", "*", "*"]
        }
    }

    @Test func hopDroppingTimeExceededCostsMillisecondsLikeTraceroute() async throws {
        // Both take tens of milliseconds here, where two starts of the debug agent on a loaded
        // machine differ by 10 ms and more: 20 ms are allowed on top. Waiting the silent hop out
        // would cost seconds (traceroute's own 5 s wait).
        try await compare("hopDroppingTimeExceeded", maxHops: 8, slack: 0.02) { path in
            try path.exec(path.routers[1], "sysctl", "-qw", Self.silentRateLimit)
            return ["10.10.1.1", "*", "10.10.3.2"]
        }
    }

    /// Linux's per-peer ICMP limit is a burst of 6 refilled at 1/s, and every probe past the
    /// destination spends one of the destination's: each run starts after a pause that refills
    /// the buckets, as two traces of one path minutes apart would.
    @Test func defaultKernelRateLimitsCostNoTimeout() async throws {
        // Answered in milliseconds by both: there the agent's own start-up beyond `--help` (a debug
        // build's ~15–30 ms) swamps a ratio, so 50 ms are allowed on top; a probe lost to the
        // limit and waited out would cost 5 s.
        try await compare("defaultKernelRateLimits", maxHops: 8, rounds: 2, pause: .milliseconds(6500), slack: 0.05) {
            path in
            for namespace in path.namespaces { try path.exec(namespace, ["sysctl", "-qw"] + Self.defaultRateLimits) }
            return path.hopAddresses()
        }
    }

    /// Builds the path, lets `setup` silence what it wants (it returns the hops traceroute should
    /// list), then traces with both tools `rounds` times, alternating, and compares each pair.
    private func compare(
        _ test: String, maxHops: Int, rounds: Int = 3, pause: Duration = .zero, slack: Double = 0,
        setup: (NetnsPath) throws -> [String]
    ) async throws {
        guard let traceroute = TraceReferenceTools.traceroute else {
            try Prerequisite.unavailable("traceroute is not installed (traceroute)", test: test)
            return
        }
        let made: Result<NetnsPath, NetnsPath.Failure> = Result { () throws(NetnsPath.Failure) in
            try NetnsPath.make(routers: 2)
        }
        let path: NetnsPath
        switch made {
        case .success(let built): path = built
        case .failure(.unavailable(let reason)):
            try Prerequisite.unavailable(reason, test: test)
            return
        case .failure(let failure): throw failure
        }
        defer { path.remove() }
        let expected = try setup(path)
        let dest = path.serverAddress()
        let agent = Shell.binDirectory + "/fathom-agent"
        var starts: [Double] = []
        var ourTimes: [Double] = []
        var referenceTimes: [Double] = []
        for round in 1...rounds {
            let agentArgv = path.command(
                in: path.client,
                [
                    agent, "trace", dest, "--json", "--no-hostnames", "--no-as", "--max-hops", "\(maxHops)",
                ])
            let referenceArgv = path.command(in: path.client, [traceroute, "-n", "-m", "\(maxHops)", dest])
            var runs: [(seconds: Double, output: String)] = []
            for argv in round % 2 == 1 ? [agentArgv, referenceArgv] : [referenceArgv, agentArgv] {
                if pause > .zero {
                    try await Task.sleep(for: pause)
                }
                if argv == agentArgv {
                    // This round's process start, timed just before its trace, under the same load.
                    starts.append(try await timed(path.command(in: path.client, [agent, "--help"])).seconds)
                }
                runs.append(try await timed(argv))
            }
            let start = starts[round - 1]
            let (ours, reference) = round % 2 == 1 ? (runs[0], runs[1]) : (runs[1], runs[0])
            let result = try TraceResult.decode(json: ours.output)
            let hops = try #require(result.paths.first).map { $0.ip ?? "*" }
            #expect(
                TraceReferenceTools.parseTraceroute(reference.output) == expected,
                "round \(round), traceroute: \(reference.output)")
            #expect(hops == expected, "round \(round), fathom-agent: \(ours.output)")
            ourTimes.append(max(0, ours.seconds - start))
            referenceTimes.append(reference.seconds)
            print(
                "\(test) round \(round): fathom-agent \(ms(ours.seconds)) ms (start \(ms(start)) ms), traceroute \(ms(reference.seconds)) ms"
            )
        }
        let best = ourTimes.min() ?? 0
        let referenceBest = referenceTimes.min() ?? 0
        #expect(
            best <= 1.5 * referenceBest + slack,
            "fathom-agent \(ourTimes) s (starts \(starts) s left out) vs traceroute \(referenceTimes) s")
    }

    private func timed(_ argv: [String]) async throws -> (seconds: Double, output: String) {
        // Timed by a shell around the tool, so a stall of this test process is not counted.
        let (run, seconds) = try await Shell.timedRun(argv, timeout: 60)
        return (seconds, run.stdout)
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
}
