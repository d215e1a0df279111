import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The built `fathom-agent trace --probe-type icmp` (as root: raw sockets need CAP_NET_RAW) in the
/// client namespace of a `NetnsChain`: same hops as `traceroute -I` / tracepath, unreachable and
/// prohibit routes give their ICMP error on IPv4 and IPv6, a shrunk MTU is found, a silent path
/// times out probe by probe. Also: hop names from the namespace's own hosts file with a DNS server
/// that never answers (the 2 s deadline), and the error without CAP_NET_RAW. All traffic stays on
/// loopback and inside the namespaces; where they cannot be made (EPERM) the tests go through
/// `Prerequisite.unavailable` (a failure under `FATHOM_REQUIRE_ALL=1`).
@Suite(.serialized, .timeLimit(.minutes(3))) struct TraceICMPNamespaceTests {
    static let agent = Shell.binDirectory + "/fathom-agent"

    /// Builds a chain, runs `body`, and always deletes the namespaces (and their /etc/netns files).
    private func withChain(_ test: String, _ body: (NetnsChain) async throws -> Void) async throws {
        guard let chain = try NetnsChain.make(for: test) else { return }
        defer { chain.remove() }
        try await body(chain)
    }

    /// Runs the agent in the client namespace (as `prefix`, root by default) and decodes its JSON;
    /// also returns the exit status and how long the run took.
    private func agentTrace(_ chain: NetnsChain, _ arguments: [String], as prefix: [String] = [])
        async throws -> (result: TraceResult, status: Int32, seconds: Double)
    {
        // Timed by the shell that runs it: a stall of this test process on a loaded machine
        // (seconds, once, in CI) must not read as the agent waiting.
        let (run, seconds) = try await Shell.timedRun(
            chain.path.command(in: chain.client, prefix + [Self.agent, "trace", "--json"] + arguments), timeout: 60)
        let result = try TraceResult.decode(json: run.stdout)
        return (result, run.status, seconds)
    }

    /// `setpriv` to uid/gid 65534 with no way back to CAP_NET_RAW; nil (with the reason) when that
    /// cannot be done here.
    private static func withoutNetRaw() async -> (prefix: [String]?, reason: String) {
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return (nil, "no \(setpriv)") }
        let prefix = [
            setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-net_raw",
        ]
        guard let check = try? await Shell.run(prefix + [agent, "--version"]), check.status == 0 else {
            return (nil, "setpriv cannot drop to uid 65534 without CAP_NET_RAW here")
        }
        return (prefix, "")
    }

    @Test(arguments: ["10.10.2.2", "fd00:2::2"])
    func icmpHopsMatchTracerouteI(dest: String) async throws {
        try await withChain("icmpHopsMatchTracerouteI(\(dest))") { chain in
            let (result, status, _) = try await agentTrace(
                chain,
                [dest, "--probe-type", "icmp", "--no-hostnames", "--queries", "1", "--timeout", "3", "--max-hops", "8"])
            let v6 = dest.contains(":")
            #expect(status == 0 && result.succeeded, "\(result)")
            let path = try #require(result.paths.first)
            #expect(path.map(\.ip) == (v6 ? ["fd00:1::1", "fd00:2::2"] : ["10.10.1.1", "10.10.2.2"]))
            #expect(
                path.allSatisfy {
                    $0.error == nil && $0.mtu == 1500 && $0.rtt?.hasPrefix("PT") == true && $0.hostname == nil
                })
            if let traceroute = TraceReferenceTools.traceroute {
                let out = try await chain.run(
                    in: chain.client, [traceroute, v6 ? "-6" : "-4", "-I", "-n", "-q", "1", "-N", "1", "-w", "2", dest])
                #expect(
                    TraceReferenceTools.parseTraceroute(out.stdout) == path.compactMap(\.ip),
                    "traceroute -I: \(out.stdout)")
            } else {
                try Prerequisite.unavailable(
                    "traceroute is not installed (traceroute)", test: "icmpHopsMatchTracerouteI")
            }
            if let tracepath = TraceReferenceTools.tracepath {
                let out = try await chain.run(in: chain.client, [tracepath, "-n", dest])
                #expect(
                    TraceReferenceTools.parseTracepath(out.stdout).hops == path.compactMap(\.ip),
                    "tracepath: \(out.stdout)")
            } else {
                try Prerequisite.unavailable(
                    "tracepath is not installed (iputils-tracepath)", test: "icmpHopsMatchTracerouteI")
            }
        }
    }

    @Test func icmpUnreachableAndProhibitRoutesGiveTheirErrorOnBothFamilies() async throws {
        try await withChain("icmpUnreachableAndProhibitRoutesGiveTheirErrorOnBothFamilies") { chain in
            try await chain.ip("-n", chain.router, "route", "add", "unreachable", "10.10.9.0/24")
            try await chain.ip("-n", chain.router, "route", "add", "prohibit", "10.10.8.0/24")
            try await chain.ip("-n", chain.router, "-6", "route", "add", "unreachable", "fd00:9::/64")
            try await chain.ip("-n", chain.router, "-6", "route", "add", "prohibit", "fd00:8::/64")
            let cases = [
                ("10.10.9.9", "10.10.1.1", "host-unreachable"),
                ("10.10.8.8", "10.10.1.1", "communication-administratively-prohibited"),
                ("fd00:9::9", "fd00:1::1", "net-unreachable"),
                ("fd00:8::8", "fd00:1::1", "communication-administratively-prohibited"),
            ]
            for (dest, router, error) in cases {
                let (result, status, _) = try await agentTrace(
                    chain, [dest, "--probe-type", "icmp", "--no-hostnames", "--queries", "1", "--timeout", "2"])
                #expect(status == 1 && result.succeeded, "\(dest)")
                #expect(result.paths.first?.count == 1, "\(dest): \(result.paths)")
                let hop = try #require(result.paths.first?.last)
                #expect(hop.ip == router && hop.error == error && hop.rtt != nil && hop.mtu == 1500, "\(dest): \(hop)")
            }
        }
    }

    @Test(arguments: ["10.10.2.2", "fd00:2::2"])
    func icmpFindsTheShrunkMTU(dest: String) async throws {
        try await withChain("icmpFindsTheShrunkMTU(\(dest))") { chain in
            try await chain.ip("-n", chain.router, "link", "set", chain.routerToServer, "mtu", "1400")
            try await chain.ip("-n", chain.server, "link", "set", chain.serverToRouter, "mtu", "1400")
            let (result, status, _) = try await agentTrace(
                chain,
                [dest, "--probe-type", "icmp", "--no-hostnames", "--queries", "2", "--timeout", "3", "--max-hops", "8"])
            #expect(status == 0)
            // TTL 1's echo expires at the router; at TTL 2 the router answers "too big" for the
            // 1500-byte echo, and the resend at 1400 reaches the server.
            #expect(result.paths.first?.map(\.mtu) == [1500, 1400])
            #expect(result.paths.first?.last?.ip == dest)
        }
    }

    @Test func icmpSilentPathTimesOutProbeByProbe() async throws {
        try await withChain("icmpSilentPathTimesOutProbeByProbe") { chain in
            // The router drops these silently: no echo reply, no ICMP error, only timeouts.
            try await chain.ip("-n", chain.router, "route", "add", "blackhole", "10.10.7.0/24")
            let (result, status, seconds) = try await agentTrace(
                chain,
                [
                    "10.10.7.7", "--probe-type", "icmp", "--no-hostnames", "--queries", "1", "--timeout", "0.5",
                    "--max-hops", "3",
                ])
            #expect(status == 1 && result.succeeded)
            let path = try #require(result.paths.first)
            #expect(path.count == 3 && path.dropFirst().allSatisfy { $0 == TraceHop() }, "\(path)")
            // Functional, with a wide margin for a loaded machine: the probes time out one by one
            // rather than waiting for ever (3 probes of 0.5 s; a hang would hit the time limit).
            #expect(seconds < 30, "3 probes of 0.5 s took \(seconds) s")
        }
    }

    @Test(arguments: [("10.10.2.2", "udp"), ("fd00:2::2", "icmp")])
    func hopNamesComeAfterTheTraceWithinTheDeadline(dest: String, probeType: String) async throws {
        try await withChain("hopNamesComeAfterTheTraceWithinTheDeadline(\(dest))") { chain in
            // `ip netns exec` puts these over /etc/hosts and /etc/resolv.conf for the agent: the
            // router has a name, the server has none, and the DNS server is blackholed at the
            // router, so the server's lookup hangs past the deadline (glibc waits 5 s per try).
            try chain.writeEtc(
                chain.client, "hosts",
                "127.0.0.1 localhost\n10.10.1.1 router.fathom.test\nfd00:1::1 router6.fathom.test\n")
            try chain.writeEtc(chain.client, "resolv.conf", "nameserver 10.10.7.53\n")
            try await chain.ip("-n", chain.router, "route", "add", "blackhole", "10.10.7.0/24")
            let v6 = dest.contains(":")
            let (result, status, seconds) = try await agentTrace(
                chain, [dest, "--probe-type", probeType, "--queries", "1", "--timeout", "3", "--max-hops", "8"])
            #expect(status == 0 && result.succeeded)
            let path = try #require(result.paths.first)
            #expect(path.map(\.ip) == (v6 ? ["fd00:1::1", "fd00:2::2"] : ["10.10.1.1", "10.10.2.2"]))
            #expect(path.map(\.hostname) == [v6 ? "router6.fathom.test" : "router.fathom.test", nil])
            // The server's lookup ran into the 2 s deadline (so at least 2 s passed) and nothing
            // waited out glibc's retries (5 s per try, 2 tries): the upper bound is functional.
            #expect(seconds >= 2 && seconds < 10, "trace with hostnames took \(seconds) s")
            let (unnamed, _, quick) = try await agentTrace(
                chain, [dest, "--probe-type", probeType, "--no-hostnames", "--queries", "1"])
            #expect(unnamed.paths.first?.allSatisfy { $0.hostname == nil } == true)
            // Without names nothing waits for the blackholed DNS server: waiting would take the
            // full 2 s deadline, a one-probe trace in namespaces takes milliseconds.
            #expect(quick < 2, "--no-hostnames took \(quick) s")
        }
    }

    @Test func icmpWithoutCapNetRawIsAClearErrorNotAFallback() async throws {
        guard let prefix = (await Self.withoutNetRaw()).prefix else {
            try Prerequisite.unavailable((await Self.withoutNetRaw()).reason)
            return
        }
        // No packet leaves: the raw socket is refused before any probe.
        let json = try await Shell.run(
            prefix + [Self.agent, "trace", "--json", "--no-hostnames", "--probe-type", "icmp", "127.0.0.1"])
        #expect(json.status == 2)
        let result = try TraceResult.decode(json: json.stdout)
        #expect(!result.succeeded && result.paths.isEmpty)
        #expect(
            result.error?.hasPrefix("probe-type icmp needs CAP_NET_RAW") == true, "\(String(describing: result.error))")
        #expect(json.stderr.contains("CAP_NET_RAW"), "\(json.stderr)")
        let text = try await Shell.run(
            prefix + [Self.agent, "trace", "--no-hostnames", "--probe-type", "icmp", "127.0.0.1"])
        #expect(text.status == 2 && text.stdout.contains("failed: probe-type icmp needs CAP_NET_RAW"), "\(text.stdout)")
        // The same user traces with UDP probes: only the capability was missing.
        let udp = try await Shell.run(
            prefix + [Self.agent, "trace", "--json", "--no-hostnames", "--queries", "1", "127.0.0.1"])
        #expect(
            udp.status == 0 && (try? TraceResult.decode(json: udp.stdout))?.paths.first?.first?.ip == "127.0.0.1",
            "\(udp.stdout)")
    }

    @Test func unknownProbeTypeIsRefused() async throws {
        let run = try await Shell.run([Self.agent, "trace", "--probe-type", "tcp", "127.0.0.1"])
        #expect(run.status != 0 && run.stderr.contains("probe-type must be udp or icmp"), "\(run.stderr)")
    }
}
