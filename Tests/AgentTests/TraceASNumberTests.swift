import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Synchronization
import Testing

/// Hop origin ASes (pScheduler `as`) from a real DNS server the test runs on 127.0.0.1 that
/// answers in Team Cymru's TXT format: number and owner from two queries, multi-origin answers,
/// IPv6 nibble names, private addresses never asked about, and a server that never answers
/// costing at most the resolver's deadline. Hop addresses come from a scripted prober (no probe
/// leaves the host); only the DNS queries are real.
@Suite(.timeLimit(.minutes(2))) struct TraceASNumberTests {
    static let owner = "EXAMPLE-NET, ZZ"
    static let records: [String: [String]] = [
        "1.0.0.64.origin.asn.cymru.com": ["64500 | 64.0.0.0/16 | ZZ | test | 2024-01-01"],
        // Two origins: the first is the hop's; its owner is unknown (NXDOMAIN).
        "3.0.0.64.origin.asn.cymru.com": ["64501 64502 | 64.0.0.0/24 | ZZ | test | 2024-01-01"],
        "AS64500.asn.cymru.com": ["64500 | ZZ | test | 2024-01-01 | ", "EXAMPLE-NET, ZZ"],
        // 2001:4860:4860::8888, as pScheduler's specification spells the name.
        "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.origin6.asn.cymru.com":
            ["64500 | 2001:4860::/32 | ZZ | test | 2024-01-01"],
        "2.0.0.10.origin.asn.cymru.com": ["64510 | 10.0.0.0/8 | ZZ | test | 2024-01-01"],
    ]

    static func service(_ dns: TXTDNSServer, queryTimeout: Duration = .seconds(2), anyAddress: Bool = false)
        throws -> ASNumberResolver.Service
    {
        let server = try IPSocketAddress.resolve(dns.address).with(port: dns.port)
        return ASNumberResolver.Service(server: server, queryTimeout: queryTimeout, anyAddress: anyAddress)
    }

    static func parameters(asNumbers: Bool, hostnames: Bool = false) throws -> TraceParameters {
        try TraceParameters(
            dest: "127.0.0.1", queries: 1, wait: .milliseconds(10), hostnames: hostnames, asNumbers: asNumbers
        ).validated()
    }

    @Test func originAndOwnerComeFromTwoTXTQueries() throws {
        let dns = try TXTDNSServer(records: Self.records)
        defer { dns.stop() }
        let service = try Self.service(dns)
        #expect(ASNumberResolver.lookup("64.0.0.1", service: service) == ASNumber(number: 64500, owner: Self.owner))
        #expect(ASNumberResolver.lookup("64.0.0.3", service: service) == ASNumber(number: 64501))
        #expect(ASNumberResolver.lookup("64.0.0.9", service: service) == nil)
        #expect(
            ASNumberResolver.lookup("2001:4860:4860::8888", service: service)
                == ASNumber(number: 64500, owner: Self.owner))
        #expect(
            dns.asked == [
                "1.0.0.64.origin.asn.cymru.com", "as64500.asn.cymru.com",
                "3.0.0.64.origin.asn.cymru.com", "as64501.asn.cymru.com",
                "9.0.0.64.origin.asn.cymru.com",
                "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.origin6.asn.cymru.com",
                "as64500.asn.cymru.com",
            ])
    }

    @Test func zonesAreConfigurable() throws {
        let dns = try TXTDNSServer(records: [
            "1.0.0.64.v4.example": ["64499 | 64.0.0.0/16 | ZZ | test | 2024-01-01"],
            "AS64499.owners.example": ["64499 | ZZ | test | 2024-01-01 | OTHER-NET, ZZ"],
        ])
        defer { dns.stop() }
        var service = try Self.service(dns)
        service.originZone = "v4.example"
        service.origin6Zone = "v6.example"
        service.asnZone = "owners.example"
        #expect(
            ASNumberResolver.lookup("64.0.0.1", service: service) == ASNumber(number: 64499, owner: "OTHER-NET, ZZ"))
        #expect(
            ASNumberResolver.originName("2001:4860::1", service: service)?.hasSuffix(".0.6.8.4.1.0.0.2.v6.example")
                == true)
    }

    @Test func privateAndSpecialAddressesAreNeverAsked() throws {
        let dns = try TXTDNSServer(records: Self.records)
        defer { dns.stop() }
        let special = [
            "10.0.0.2", "172.16.0.1", "192.168.1.1", "127.0.0.1", "100.64.0.1", "169.254.1.1", "0.1.2.3", "224.0.0.1",
            "255.255.255.255", "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1", "::1", "fe80::1", "fd00::1",
            "ff02::1", "2001:db8::1", "::ffff:64.0.0.1", "not-an-address",
        ]
        let origins = ASNumberResolver(service: try Self.service(dns)).origins(for: special + ["64.0.0.1"])
        #expect(origins == ["64.0.0.1": ASNumber(number: 64500, owner: Self.owner)])
        #expect(dns.asked == ["1.0.0.64.origin.asn.cymru.com", "as64500.asn.cymru.com"])

        // The switch for private origin services (and namespace tests) asks about them too.
        let all = ASNumberResolver(service: try Self.service(dns, anyAddress: true)).origins(for: ["10.0.0.2"])
        #expect(all == ["10.0.0.2": ASNumber(number: 64510)])
    }

    /// An address the resolver never asks about costs no lookup (and so no thread): a trace of
    /// private hops starts none.
    @Test func addressesNeverAskedAboutStartNoLookup() {
        let looked = Mutex<[String]>([])
        let resolver = ASNumberResolver(
            asks: { $0.hasPrefix("64.") },
            lookup: { address in
                looked.withLock { $0.append(address) }
                return ASNumber(number: 64500)
            })
        let origins = resolver.origins(for: ["10.0.0.1", "64.0.0.1", "192.168.1.1", "64.0.0.1"])
        #expect(origins == ["64.0.0.1": ASNumber(number: 64500)])
        #expect(looked.withLock { $0 } == ["64.0.0.1"])
    }

    @Test func traceHopsCarryTheirASOnlyWhenAsked() throws {
        let dns = try TXTDNSServer(records: Self.records)
        defer { dns.stop() }
        let answers: [Int: ProbeReply] = [
            1: .hop(ip: "64.0.0.1"), 2: .hop(ip: "10.0.0.2"), 3: .hop(ip: "64.0.0.3"),
            4: .reached(ip: "2001:4860:4860::8888"),
        ]
        let resolver = ASNumberResolver(service: try Self.service(dns))
        let off = TraceRun(
            parameters: try Self.parameters(asNumbers: false), prober: ScriptedProber(answers: answers),
            asResolver: resolver
        ).run()
        #expect(off.result.paths[0].allSatisfy { $0.asNumber == nil })
        #expect(dns.asked.isEmpty)

        let on = TraceRun(
            parameters: try Self.parameters(asNumbers: true), prober: ScriptedProber(answers: answers),
            asResolver: resolver
        ).run()
        let expected: [ASNumber?] = [
            ASNumber(number: 64500, owner: Self.owner), nil, ASNumber(number: 64501),
            ASNumber(number: 64500, owner: Self.owner),
        ]
        #expect(on.result.paths[0].map(\.asNumber) == expected)
        // The JSON carries pScheduler's `as` object and reads back the same.
        let json = on.result.jsonString()
        #expect(json.contains(#""as":{"#), "\(json)")
        #expect(try TraceResult.decode(json: json).paths[0].map(\.asNumber) == expected)
        #expect(!dns.asked.contains { $0.hasPrefix("2.0.0.10.") }, "a private hop was asked about: \(dns.asked)")
    }

    @Test func aServerThatNeverAnswersCostsAtMostTheDeadline() throws {
        let dns = try TXTDNSServer(silent: true)
        defer { dns.stop() }
        let answers: [Int: ProbeReply] = [1: .hop(ip: "64.0.0.1"), 2: .reached(ip: "64.0.0.3")]
        // Each query would wait 30 s; the resolver's 1 s deadline cuts the lot off.
        let resolver = ASNumberResolver(
            service: try Self.service(dns, queryTimeout: .seconds(30)), deadline: .seconds(1))
        let start = ContinuousClock.now
        let report = TraceRun(
            parameters: try Self.parameters(asNumbers: true), prober: ScriptedProber(answers: answers),
            asResolver: resolver
        ).run()
        let elapsed = start.duration(to: .now)
        #expect(report.reached && report.result.paths[0].allSatisfy { $0.asNumber == nil })
        #expect(Set(dns.asked) == ["1.0.0.64.origin.asn.cymru.com", "3.0.0.64.origin.asn.cymru.com"])
        // It waited for the deadline, not for the 30 s queries (the machine may be loaded).
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(10), "\(elapsed)")

        // The defaults: 2 s per query, 4 s in all, as pScheduler budgets them.
        let defaults = ASNumberResolver(service: try Self.service(dns))
        let started = ContinuousClock.now
        #expect(defaults.origins(for: ["64.0.0.1"]).isEmpty)
        let took = started.duration(to: .now)
        #expect(took >= .seconds(2) && took < ASNumberResolver.defaultDeadline + .seconds(4), "\(took)")
    }

    @Test func hostnameAndASLookupsRunAtTheSameTime() throws {
        let dns = try TXTDNSServer(silent: true)
        defer { dns.stop() }
        let answers: [Int: ProbeReply] = [1: .reached(ip: "64.0.0.1")]
        let asResolver = ASNumberResolver(
            service: try Self.service(dns, queryTimeout: .seconds(30)), deadline: .seconds(2))
        let names = ReverseNameResolver(deadline: .seconds(2)) { _ in
            usleep(20_000_000)
            return nil
        }
        let start = ContinuousClock.now
        let report = TraceRun(
            parameters: try Self.parameters(asNumbers: true, hostnames: true), prober: ScriptedProber(answers: answers),
            resolver: names, asResolver: asResolver
        ).run()
        let elapsed = start.duration(to: .now)
        #expect(report.reached)
        // One after the other would take at least 4 s.
        #expect(elapsed >= .seconds(2) && elapsed < .milliseconds(3800), "\(elapsed)")
    }

    @Test func scheduledTraceTestsLookUpASesUnlessTheConfigSaysNo() throws {
        func spec(_ extra: String) throws -> MeasurementSpec? {
            let config = """
                [receiver]
                url = "https://receiver.example.org:8443"
                cluster = "ps"

                [archive]
                token_file = "/etc/fathom/archive-token"

                [[test]]
                name = "trace-ps2"
                type = "trace"
                dest = "ps2.example.net"
                repeat = 3600
                \(extra)
                """
            return try AgentSettingsFile.parse(config, fileName: "agent.toml").tests.first?.spec
        }
        // pScheduler's default is `as: true`; the parameters' own default stays off (no DNS unless asked).
        #expect(TraceParameters(dest: "x").asNumbers == false)
        guard case .trace(let byDefault)? = try spec("") else {
            Issue.record("no trace test")
            return
        }
        #expect(byDefault.asNumbers && byDefault.hostnames)
        guard case .trace(let off)? = try spec("as = false") else {
            Issue.record("no trace test")
            return
        }
        #expect(!off.asNumbers && off.hostnames)
        #expect(throws: ConfigError.self) { try spec("as = \"yes\"") }
    }

    @Test func esmondPacketTraceCarriesHopASAsPSchedulerDoes() throws {
        let result = try TraceResult.decode(
            json: """
                {"schema":1,"succeeded":true,"paths":[[{"ip":"10.0.2.2","rtt":"PT0.0002S"},
                 {"ip":"192.52.179.65","rtt":"PT0.0015S","as":{"number":10886,"owner":"MAX-GIGAPOP - University of Maryland, US"}},
                 {"ip":"198.71.45.8","rtt":"PT0.002S","as":{"number":11537}}]]}
                """)
        let record = MeasurementRecord(
            runID: "0123456789abcdef0123456789abcdef", testName: "t", sourceAddress: "10.0.0.1",
            destAddress: "198.71.45.8",
            start: 1_795_410_000, outcome: .trace(TraceParameters(dest: "ps2.example.net", asNumbers: true), result))
        let esmond = EsmondRecordMapping.map(record)
        guard case .array(let points)? = esmond.data["data"], case .array(let values)? = points.first?["val"],
            let trace = values.first(where: { $0["event-type"] == .string("packet-trace") }),
            case .array(let hops)? = trace["val"]
        else {
            Issue.record("no packet-trace in \(esmond.data)")
            return
        }
        #expect(hops.count == 3 && hops[0]["as"] == nil)
        let maryland = JSONValue.string("MAX-GIGAPOP - University of Maryland, US")
        #expect(hops[1]["as"] == .object(["number": .integer(10886), "owner": maryland]))
        #expect(hops[2]["as"] == .object(["number": .integer(11537)]))
        // The spooled record keeps the switch (pScheduler's spec key `as`) and the hops' ASes.
        #expect(try MeasurementRecord(spoolPayload: record.spoolPayload) == record)
        #expect(String(decoding: record.spoolPayload, as: UTF8.self).contains(#""as":true"#))
    }
}
