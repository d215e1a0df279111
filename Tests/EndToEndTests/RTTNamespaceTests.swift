import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// The built `fathom-agent rtt` in the client namespace of a `NetnsChain`, next to iputils
/// `ping` in the same namespace: same replies, TTLs, lengths and loss; mean RTT within 10 % over
/// a link slowed by a `tbf` qdisc (netem is not available everywhere, and tbf's serialisation
/// delay of large packets is steady); the same ICMP errors from the router; 100 % loss from a
/// destination that ignores echo; partial loss and duplicates from a user-space responder, counted
/// as ping counts them. Then the socket choice: an ICMP datagram socket for an
/// unprivileged user admitted by `net.ipv4.ping_group_range`, the raw fallback for root under
/// `1 0`, and the error for a user who has neither. Traffic stays inside the namespaces.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RTTNamespaceTests {
    static let agent = Shell.binDirectory + "/fathom-agent"
    static let ping = ["/usr/bin/ping", "/bin/ping"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let tc = ["/usr/sbin/tc", "/sbin/tc"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Admits every group, root and 65534 included.
    static let everyone = "0 2147483647"

    private func withChain(_ test: String, _ body: (NetnsChain) async throws -> Void) async throws {
        guard let chain = try NetnsChain.make(for: test) else { return }
        defer { chain.remove() }
        try await body(chain)
    }

    private func sysctl(_ chain: NetnsChain, in ns: String, _ setting: String) async throws {
        let out = try await chain.run(in: ns, ["sysctl", "-qw", setting])
        #expect(out.status == 0, "sysctl \(setting): \(out.stderr)")
    }

    /// Runs the agent in the client namespace and decodes its JSON.
    private func agentRTT(_ chain: NetnsChain, _ arguments: [String], as prefix: [String] = [])
        async throws -> (result: RTTResult, status: Int32, stderr: String)
    {
        let run = try await chain.run(in: chain.client, prefix + [Self.agent, "rtt", "--json"] + arguments)
        return (try RTTResult.decode(json: run.stdout), run.status, run.stderr)
    }

    private func pingRun(_ chain: NetnsChain, _ arguments: [String]) async throws -> PingOutput? {
        guard let ping = Self.ping else {
            try Prerequisite.unavailable("ping is not installed (iputils-ping)", test: "RTTNamespaceTests")
            return nil
        }
        return PingOutput(try await chain.run(in: chain.client, [ping, "-n"] + arguments).stdout)
    }

    /// `setpriv` to uid/gid 65534 with no way back to CAP_NET_RAW; nil when that cannot be done here.
    private static func withoutNetRaw() async -> [String]? {
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        let prefix = [
            setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-net_raw",
        ]
        guard let check = try? await Shell.run(prefix + [agent, "--version"]), check.status == 0 else { return nil }
        return prefix
    }

    @Test(arguments: [("10.10.2.2", false), ("fd00:2::2", false), ("10.10.2.2", true), ("fd00:2::2", true)])
    func matchesPingOverASlowLink(dest: String, raw: Bool) async throws {
        try await withChain("matchesPingOverASlowLink(\(dest))") { chain in
            guard let tc = Self.tc else {
                try Prerequisite.unavailable("tc is not installed (iproute2)", test: "matchesPingOverASlowLink")
                return
            }
            // 1 Mbit/s on the router → server link both ways, with a bucket of one full frame: a
            // 3008-byte echo leaves as three fragments, and the later ones wait ~12 ms each for
            // tokens in each direction, far above the namespaces' own ~50 µs. The bucket refills
            // between requests, so every request waits the same.
            for (ns, device) in [(chain.router, chain.routerToServer), (chain.server, chain.serverToRouter)] {
                let out = try await chain.run(
                    in: ns,
                    [
                        tc, "qdisc", "add", "dev", device, "root", "tbf", "rate", "1mbit", "burst", "1600", "latency",
                        "200ms",
                    ])
                guard out.status == 0 else {
                    try Prerequisite.unavailable("tc tbf: \(out.stderr)", test: "matchesPingOverASlowLink")
                    return
                }
            }
            try await sysctl(chain, in: chain.client, "net.ipv4.ping_group_range=\(Self.everyone)")
            let (result, status, stderr) = try await agentRTT(
                chain, [dest, "-c", "5", "-i", "0.2", "-s", "3000"] + (raw ? ["--raw"] : []))
            #expect(status == 0 && result.succeeded, "\(stderr)")
            #expect(result.diags == (raw ? "raw icmp socket" : "icmp datagram socket"))
            guard let ping = try await pingRun(chain, ["-c", "5", "-i", "0.2", "-s", "3000", dest]) else { return }
            #expect(
                result.sent == ping.transmitted && result.received == ping.received && result.loss == 0
                    && ping.lossPercent == 0)
            #expect(result.roundtrips.map(\.seq) == ping.replies.map(\.seq))
            #expect(result.roundtrips.map(\.ttl) == ping.replies.map(\.ttl), "\(result.roundtrips) vs \(ping.replies)")
            #expect(result.roundtrips.map(\.length) == ping.replies.map(\.bytes))
            #expect(result.roundtrips.allSatisfy { $0.ip == dest })
            // Medians of the five: one answer woken late by a loaded machine (we time in user space,
            // ping takes the kernel's receive stamp) must not decide the comparison.
            func median(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.sorted()[values.count / 2] }
            let ours = try #require(
                median(result.roundtrips.compactMap { $0.rtt.flatMap(ISODuration.seconds) }.map { $0 * 1000 }))
            let pings = try #require(median(ping.replies.map(\.ms)))
            #expect(pings > 10, "the shaped link should make RTTs measurable: \(pings) ms")
            #expect(abs(ours - pings) <= pings * 0.10, "fathom median \(ours) ms, ping median \(pings) ms")
            #expect(result.duplicates == 0 && result.reorders == 0)
        }
    }

    /// A responder that drops every 4th request and answers every 5th twice (`EchoResponder`):
    /// the agent and ping count the same loss, the same duplicates and the same answered
    /// sequence numbers, over both socket kinds and both families.
    @Test(arguments: [("10.10.2.2", false), ("fd00:2::2", false), ("10.10.2.2", true), ("fd00:2::2", true)])
    func partialLossAndDuplicatesAgreeWithPing(dest: String, raw: Bool) async throws {
        try await withChain("partialLossAndDuplicatesAgreeWithPing(\(dest))") { chain in
            try await sysctl(chain, in: chain.client, "net.ipv4.ping_group_range=\(Self.everyone)")
            let count = 20
            let responder = EchoResponder(dropEvery: 4, duplicateEvery: 5, requests: count)
            let expected = responder.expected(sent: count)
            let answered = (1...count).filter { $0 % responder.dropEvery != 0 }
            let directory = TempDirectory("fathom-echo")
            defer { directory.remove() }
            let arguments = ["-c", "\(count)", "-i", "0.05", "-W", "1"]

            var ours: (result: RTTResult, status: Int32, stderr: String)?
            try await responder.serving(chain, in: directory) {
                ours = try await agentRTT(chain, [dest] + arguments + (raw ? ["--raw"] : []))
            }
            let agent = try #require(ours)
            #expect(agent.result.succeeded && agent.status != 2, "\(agent.stderr)")
            #expect(agent.result.diags == (raw ? "raw icmp socket" : "icmp datagram socket"))
            #expect(
                agent.result.sent == count && agent.result.lost == expected.lost
                    && agent.result.received == count - expected.lost,
                "\(agent.result)")
            #expect(agent.result.duplicates == expected.duplicates && agent.result.reorders == 0)
            #expect(agent.result.loss == Double(expected.lost) / Double(count))
            #expect(agent.result.roundtrips.map(\.seq) == answered)

            var pinged: PingOutput?
            try await responder.serving(chain, in: directory) {
                pinged = try await pingRun(chain, arguments + [dest])
            }
            guard let ping = pinged else { return }
            #expect(ping.transmitted == agent.result.sent && ping.received == agent.result.received)
            #expect(ping.duplicates == agent.result.duplicates, "ping counted \(ping.duplicates) duplicates")
            #expect(ping.lossPercent == agent.result.loss * 100)
            #expect(ping.replies.map(\.seq) == agent.result.roundtrips.map(\.seq))
        }
    }

    @Test func silentDestinationLosesEverythingLikePing() async throws {
        try await withChain("silentDestinationLosesEverythingLikePing") { chain in
            try await sysctl(chain, in: chain.server, "net.ipv4.icmp_echo_ignore_all=1")
            let (result, status, _) = try await agentRTT(chain, ["10.10.2.2", "-c", "3", "-i", "0.2", "-W", "1"])
            #expect(status == 1 && result.succeeded)
            #expect(result.sent == 3 && result.received == 0 && result.lost == 3 && result.loss == 1.0)
            #expect(result.roundtrips.isEmpty && result.min == nil && result.mean == nil)
            guard let ping = try await pingRun(chain, ["-c", "3", "-i", "0.2", "-W", "1", "10.10.2.2"]) else { return }
            #expect(ping.transmitted == 3 && ping.received == 0 && ping.lossPercent == 100)
        }
    }

    @Test(arguments: [false, true])
    func routerErrorsAreRoundtripsLikePingsErrorLines(raw: Bool) async throws {
        try await withChain("routerErrorsAreRoundtripsLikePingsErrorLines") { chain in
            try await sysctl(chain, in: chain.client, "net.ipv4.ping_group_range=\(Self.everyone)")
            try await chain.ip("-n", chain.router, "route", "add", "prohibit", "10.10.8.0/24")
            try await chain.ip("-n", chain.router, "-6", "route", "add", "unreachable", "fd00:9::/64")
            let cases: [(args: [String], from: String, error: String?)] = [
                (["10.10.8.8"], "10.10.1.1", "communication-administratively-prohibited"),
                (["fd00:9::9"], "fd00:1::1", "net-unreachable"),
                // TTL 1 expires at the router: time exceeded has no pScheduler name.
                (["10.10.2.2", "--ttl", "1"], "10.10.1.1", nil),
                (["fd00:2::2", "--ttl", "1"], "fd00:1::1", nil),
            ]
            for (args, from, error) in cases {
                let (result, status, _) = try await agentRTT(
                    chain, args + ["-c", "3", "-i", "0.2", "-W", "1"] + (raw ? ["--raw"] : []))
                #expect(status == 1 && result.succeeded && result.received == 0 && result.loss == 1.0, "\(args)")
                #expect(result.roundtrips.map(\.seq) == [1, 2, 3], "\(args): \(result.roundtrips)")
                #expect(
                    result.roundtrips.allSatisfy { $0.ip == from && $0.error == error && $0.rtt == nil },
                    "\(args): \(result.roundtrips)")
                let pingArgs = args.map { $0 == "--ttl" ? "-t" : $0 }
                guard
                    let ping = try await pingRun(
                        chain, ["-c", "3", "-i", "0.2", "-W", "1"] + pingArgs.dropFirst() + [args[0]])
                else { return }
                // The same errors from the same router; ping itself (not the router: its limits are
                // off) has been seen to print fewer than three error lines on a loaded machine.
                #expect(
                    !ping.errors.isEmpty && Set(ping.errors.map(\.seq)).isSubset(of: [1, 2, 3])
                        && ping.errors.allSatisfy { $0.from == from },
                    "ping \(args): \(ping.errors)")
                #expect(ping.received == 0)
            }
        }
    }

    @Test(arguments: ["10.10.2.2", "fd00:2::2"])
    func unprivilegedUsesADatagramSocketWhereTheGroupRangeAdmitsIt(dest: String) async throws {
        try await withChain("unprivilegedUsesADatagramSocketWhereTheGroupRangeAdmitsIt") { chain in
            guard let user = await Self.withoutNetRaw() else {
                try Prerequisite.unavailable(
                    "setpriv cannot drop to uid 65534 without CAP_NET_RAW here", test: "unprivilegedRTT")
                return
            }
            try await sysctl(chain, in: chain.client, "net.ipv4.ping_group_range=\(Self.everyone)")
            let admitted = try await agentRTT(chain, [dest, "-c", "3", "-i", "0.2"], as: user)
            #expect(admitted.status == 0 && admitted.result.received == 3, "\(admitted.stderr)")
            #expect(admitted.result.diags == "icmp datagram socket")

            // "1 0" admits nobody, not even root: root falls back to a raw socket ...
            try await sysctl(chain, in: chain.client, "net.ipv4.ping_group_range=1 0")
            let root = try await agentRTT(chain, [dest, "-c", "3", "-i", "0.2"])
            #expect(root.status == 0 && root.result.received == 3 && root.result.diags == "raw icmp socket")

            // ... and a user with neither gets a failure that says what to change.
            let refused = try await agentRTT(chain, [dest, "-c", "3", "-i", "0.2"], as: user)
            #expect(refused.status == 2 && !refused.result.succeeded, "\(refused.result)")
            #expect(
                refused.result.error?.contains("ping_group_range") == true
                    && refused.result.error?.contains("CAP_NET_RAW") == true)
            #expect(refused.result.roundtrips.isEmpty && refused.result.loss == 1.0)
        }
    }
}
