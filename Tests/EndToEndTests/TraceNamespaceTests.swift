import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The built `fathom-agent trace` run unprivileged inside a client namespace, across a router
/// namespace to a server namespace (`NetnsChain`): same hops as tracepath / traceroute -U,
/// unreachable routes give their ICMP error, a shrunk MTU on router → server is found.
/// Traffic stays inside the namespaces; where they cannot be made (EPERM) or a tool is missing the
/// tests go through `Prerequisite.unavailable` (a failure under `FATHOM_REQUIRE_ALL=1`).
@Suite(.serialized, .timeLimit(.minutes(3))) struct TraceNamespaceTests {
    /// Builds a chain, runs `body`, and always deletes the namespaces.
    private func withChain(_ test: String, _ body: (NetnsChain) async throws -> Void) async throws {
        guard let chain = try NetnsChain.make(for: test) else { return }
        defer { chain.remove() }
        try await body(chain)
    }

    /// Runs the agent binary in the client namespace as nobody (uid 65534) and decodes its JSON.
    /// Where setpriv cannot drop privileges the trace does not silently run as root instead: the
    /// test goes through `Prerequisite.unavailable`, and so does the test that asked.
    private func agentTrace(_ chain: NetnsChain, _ arguments: [String], test: String = #function) async throws -> (
        TraceResult, Int32
    )? {
        let agent = Shell.binDirectory + "/fathom-agent"
        guard let asNobody = (await Self.unprivileged()).prefix else {
            try Prerequisite.unavailable((await Self.unprivileged()).reason, test: test)
            return nil
        }
        // No hop names: these tests compare addresses and should not depend on the host's DNS.
        let run = try await chain.run(
            in: chain.client, asNobody + [agent, "trace", "--json", "--no-hostnames"] + arguments)
        let result = try TraceResult.decode(json: run.stdout)
        return (result, run.status)
    }

    /// `setpriv` to uid/gid 65534: the probes need no privilege, and this proves it. Nil (with
    /// the reason) where this process cannot drop to another user (not root: EPERM).
    private static func unprivileged() async -> (prefix: [String]?, reason: String) {
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return (nil, "no \(setpriv) (util-linux)") }
        let asNobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        let check = try? await Shell.run(asNobody + ["/usr/bin/id", "-u"])
        guard let check, check.status == 0, check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "65534"
        else {
            return (nil, "setpriv cannot drop to uid 65534 here: \(check?.stderr ?? "did not run")")
        }
        return (asNobody, "")
    }

    @Test(arguments: ["10.10.2.2", "fd00:2::2"])
    func hopsMatchTracepathAndTraceroute(dest: String) async throws {
        try await withChain("hopsMatchTracepathAndTraceroute(\(dest))") { chain in
            guard
                case (let result, let status)? = try await agentTrace(
                    chain, [dest, "--queries", "1", "--timeout", "3", "--max-hops", "8"])
            else { return }
            let v6 = dest.contains(":")
            let expected = v6 ? ["fd00:1::1", "fd00:2::2"] : ["10.10.1.1", "10.10.2.2"]
            #expect(status == 0 && result.succeeded)
            let path = try #require(result.paths.first)
            #expect(path.map(\.ip) == expected)
            #expect(path.allSatisfy { $0.error == nil && $0.mtu == 1500 && $0.rtt?.hasPrefix("PT") == true })
            if let tracepath = TraceReferenceTools.tracepath {
                let out = try await chain.run(in: chain.client, [tracepath, "-n", dest], timeout: 60)
                let reference = TraceReferenceTools.parseTracepath(out.stdout)
                #expect(reference.hops == path.compactMap(\.ip), "tracepath: \(out.stdout)")
            } else {
                try Prerequisite.unavailable(
                    "tracepath is not installed (iputils-tracepath)", test: "hopsMatchTracepathAndTraceroute")
            }
            if let traceroute = TraceReferenceTools.traceroute {
                let out = try await chain.run(
                    in: chain.client, [traceroute, v6 ? "-6" : "-4", "-U", "-n", "-q", "1", "-N", "1", "-w", "2", dest])
                #expect(
                    TraceReferenceTools.parseTraceroute(out.stdout) == path.compactMap(\.ip),
                    "traceroute: \(out.stdout)")
            } else {
                try Prerequisite.unavailable(
                    "traceroute is not installed (traceroute)", test: "hopsMatchTracepathAndTraceroute")
            }
        }
    }

    @Test func unreachableRoutesGiveTheirICMPError() async throws {
        try await withChain("unreachableRoutesGiveTheirICMPError") { chain in
            // Only the router knows these prefixes, as routes that answer with ICMP unreachable.
            try await chain.ip("-n", chain.router, "route", "add", "unreachable", "10.10.9.0/24")
            try await chain.ip("-n", chain.router, "route", "add", "prohibit", "10.10.8.0/24")
            guard
                case (let unreachable, let status)? = try await agentTrace(
                    chain, ["10.10.9.9", "--queries", "1", "--timeout", "2"])
            else { return }
            #expect(status == 1 && unreachable.succeeded)
            let hop = try #require(unreachable.paths.first?.last)
            #expect(unreachable.paths.first?.count == 1)
            #expect(hop.ip == "10.10.1.1" && hop.error == "host-unreachable" && hop.mtu == 1500 && hop.rtt != nil)
            guard
                case (let prohibited, _)? = try await agentTrace(
                    chain, ["10.10.8.8", "--queries", "1", "--timeout", "2"])
            else { return }
            #expect(prohibited.paths.first?.last?.error == "communication-administratively-prohibited")
            #expect(prohibited.paths.first?.last?.ip == "10.10.1.1")
        }
    }

    @Test(arguments: ["10.10.2.2", "fd00:2::2"])
    func shrunkMTUOnTheServerLinkIsFound(dest: String) async throws {
        try await withChain("shrunkMTUOnTheServerLinkIsFound(\(dest))") { chain in
            try await chain.ip("-n", chain.router, "link", "set", chain.routerToServer, "mtu", "1400")
            try await chain.ip("-n", chain.server, "link", "set", chain.serverToRouter, "mtu", "1400")
            guard
                case (let result, let status)? = try await agentTrace(
                    chain, [dest, "--queries", "2", "--timeout", "3", "--max-hops", "8"])
            else { return }
            #expect(status == 0)
            // TTL 1's probes expire before the narrow link; from TTL 2 on the learned MTU is carried.
            #expect(result.paths.first?.map(\.mtu) == [1500, 1400])
            if let tracepath = TraceReferenceTools.tracepath, !dest.contains(":") {
                let out = try await chain.run(in: chain.client, [tracepath, "-n", dest])
                #expect(TraceReferenceTools.parseTracepath(out.stdout).pmtu == 1400, "tracepath: \(out.stdout)")
            }
        }
    }

    /// A PMTU the client's kernel cached from an earlier discovery (1400, learned from the
    /// router) never leaks into hop 1: probes size against the interface (`IP_PMTUDISC_PROBE`).
    @Test func cachedSmallerPMTUDoesNotLeakIntoHopOne() async throws {
        try await withChain("cachedSmallerPMTUDoesNotLeakIntoHopOne") { chain in
            try await chain.ip("-n", chain.router, "link", "set", chain.routerToServer, "mtu", "1400")
            try await chain.ip("-n", chain.server, "link", "set", chain.serverToRouter, "mtu", "1400")
            guard case (let first, _)? = try await agentTrace(chain, ["10.10.2.2", "--queries", "1", "--timeout", "3"])
            else {
                return
            }
            #expect(first.paths.first?.map(\.mtu) == [1500, 1400])
            let cached = try await chain.run(in: chain.client, [NetnsPath.ipCommand!, "route", "get", "10.10.2.2"])
                .stdout
            #expect(cached.contains("mtu 1400"), "the first trace left no cached PMTU: \(cached)")
            guard
                case (let second, _)? = try await agentTrace(chain, ["10.10.2.2", "--queries", "1", "--timeout", "3"])
            else { return }
            #expect(second.paths.first?.map(\.mtu) == [1500, 1400], "\(second.paths)")
        }
    }
}
