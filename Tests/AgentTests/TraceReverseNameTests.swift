import FathomAgent
import FathomTestSupport
import Foundation
import Synchronization
import Testing

/// Hop names after the trace: looked up once per address, in parallel, cut off at the deadline.
/// Real lookups here go only to /etc/hosts (127.0.0.1); an address without a name, and a DNS
/// server that never answers, are covered in the namespace tests where DNS traffic stays inside.
@Suite(.timeLimit(.minutes(1))) struct TraceReverseNameTests {
    /// Records the addresses asked for; some answer slowly.
    final class FakeLookup: Sendable {
        let asked = Mutex<[String]>([])
        let names: [String: String]
        let slow: Set<String>

        init(names: [String: String], slow: Set<String> = []) {
            self.names = names
            self.slow = slow
        }

        func lookup(_ address: String) -> String? {
            asked.withLock { $0.append(address) }
            if slow.contains(address) { usleep(20_000_000) }
            return names[address]
        }
    }

    /// The first name /etc/hosts gives 127.0.0.1, which getnameinfo returns before any DNS.
    static var hostsNameOfLoopback: String? {
        guard let hosts = try? String(contentsOfFile: "/etc/hosts", encoding: .utf8) else { return nil }
        for line in hosts.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "127.0.0.1", !fields[1].hasPrefix("#") { return String(fields[1]) }
        }
        return nil
    }

    @Test func loopbackResolvesThroughEtcHosts() throws {
        guard let expected = Self.hostsNameOfLoopback else {
            try Prerequisite.unavailable("/etc/hosts has no 127.0.0.1 line")
            return
        }
        #expect(ReverseNameResolver.systemLookup("127.0.0.1") == expected)
        #expect(ReverseNameResolver().names(for: ["127.0.0.1", "127.0.0.1"]) == ["127.0.0.1": expected])
        #expect(ReverseNameResolver.systemLookup("not-an-address") == nil)
    }

    @Test func eachAddressIsAskedOnceAndUnnamedOnesAreLeftOut() {
        let fake = FakeLookup(names: ["10.0.0.1": "r1.example.", "10.0.0.3": "r3.example."])
        let resolver = ReverseNameResolver(lookup: fake.lookup)
        let names = resolver.names(for: ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3"])
        #expect(names == ["10.0.0.1": "r1.example.", "10.0.0.3": "r3.example."])
        #expect(fake.asked.withLock { $0 }.sorted() == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(resolver.names(for: []) == [:])
    }

    @Test func slowLookupsAreCutOffAtTheDeadline() {
        let fake = FakeLookup(names: ["10.0.0.1": "fast.example", "10.0.0.2": "slow.example"], slow: ["10.0.0.2"])
        let resolver = ReverseNameResolver(deadline: .milliseconds(300), lookup: fake.lookup)
        let start = ContinuousClock.now
        let names = resolver.names(for: ["10.0.0.1", "10.0.0.2"])
        let elapsed = start.duration(to: .now)
        #expect(names == ["10.0.0.1": "fast.example"])
        // Functional bounds: it waited for the deadline, and not for the 20 s lookup.
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(10), "\(elapsed)")
    }

    @Test func allAnsweredReturnsBeforeTheDeadline() {
        let fake = FakeLookup(names: ["10.0.0.1": "a.example"])
        let start = ContinuousClock.now
        _ = ReverseNameResolver(deadline: .seconds(60), lookup: fake.lookup).names(for: ["10.0.0.1"])
        // Far below the 60 s deadline: it did not wait for it (the machine may be loaded).
        #expect(start.duration(to: .now) < .seconds(20))
    }

    @Test func traceFillsHostnamesAfterTheLastProbeOnlyWhenAsked() throws {
        let answers: [Int: ProbeReply] = [
            1: .hop(ip: "10.0.0.1"), 2: .hop(ip: "10.0.0.2"), 3: .reached(ip: "10.0.0.3"),
        ]
        let fake = FakeLookup(names: ["10.0.0.1": "r1.example", "10.0.0.3": "dest.example"])
        let resolver = ReverseNameResolver(lookup: fake.lookup)
        func parameters(hostnames: Bool) throws -> TraceParameters {
            try TraceParameters(dest: "127.0.0.1", queries: 1, wait: .milliseconds(10), hostnames: hostnames)
                .validated()
        }
        let off = TraceRun(
            parameters: try parameters(hostnames: false), prober: ScriptedProber(answers: answers), resolver: resolver
        ).run()
        #expect(off.result.paths[0].allSatisfy { $0.hostname == nil })
        #expect(fake.asked.withLock { $0 }.isEmpty)

        let on = TraceRun(
            parameters: try parameters(hostnames: true), prober: ScriptedProber(answers: answers), resolver: resolver
        ).run()
        #expect(on.result.paths[0].map(\.hostname) == ["r1.example", nil, "dest.example"])
        #expect(on.result.paths[0].map(\.ip) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(fake.asked.withLock { $0 }.sorted() == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(on.summary.contains(" 1  r1.example (10.0.0.1)  0.010 ms"))
        #expect(on.summary.contains(" 2  10.0.0.2  0.020 ms"))
        #expect(on.result.jsonString().contains(#""hostname":"dest.example""#))
    }

    @Test func realLoopbackTraceGetsItsHostsName() throws {
        guard let expected = Self.hostsNameOfLoopback else {
            try Prerequisite.unavailable("/etc/hosts has no 127.0.0.1 line")
            return
        }
        let parameters = try TraceParameters(dest: "127.0.0.1", queries: 1, wait: .seconds(2), hostnames: true)
            .validated()
        let report = TraceRun(parameters: parameters).run()
        #expect(report.reached)
        #expect(report.result.paths.first?.first?.hostname == expected)
    }
}
