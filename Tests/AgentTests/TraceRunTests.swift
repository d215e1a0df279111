import FathomAgent
import Synchronization
import Testing

/// A scripted network (internal: the suite's helpers take it as a parameter): answers per TTL, and an MTU below which packets pass the bottleneck.
final class ScriptedProber: TraceProbing {
    struct Sent: Equatable { var ttl: Int, port: UInt16, size: Int }
    let answers: [Int: ProbeReply]
    let bottleneck: (ttl: Int, mtu: Int)?
    let sent = Mutex<[Sent]>([])

    init(answers: [Int: ProbeReply], bottleneck: (ttl: Int, mtu: Int)? = nil) {
        self.answers = answers
        self.bottleneck = bottleneck
    }

    func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int { 1500 }

    func probe(to dest: IPSocketAddress, ttl: Int, packetSize: Int, wait: Duration) throws(TraceError) -> ProbeOutcome {
        let port = dest.port
        sent.withLock { $0.append(Sent(ttl: ttl, port: port, size: packetSize)) }
        if let bottleneck, ttl >= bottleneck.ttl, packetSize > bottleneck.mtu {
            return ProbeOutcome(reply: .mtuExceeded(mtu: bottleneck.mtu, from: "10.0.0.\(bottleneck.ttl - 1)"), rtt: .microseconds(5))
        }
        let reply = answers[ttl] ?? .timeout
        return ProbeOutcome(reply: reply, rtt: reply == .timeout ? nil : .microseconds(10 * ttl))
    }
}

@Suite(.timeLimit(.minutes(2))) struct TraceRunTests {
    static func run(_ prober: ScriptedProber, hops: Int = 30, queries: Int = 1) throws -> TraceReport {
        TraceRun(parameters: try TraceParameters(dest: "127.0.0.1", hops: hops, queries: queries, wait: .milliseconds(10)).validated(),
                 prober: prober).run()
    }

    @Test func stopsAtTheDestinationAndNumbersPortsUpward() throws {
        let prober = ScriptedProber(answers: [1: .hop(ip: "10.0.0.1"), 3: .reached(ip: "10.0.0.3")])
        let report = try Self.run(prober, queries: 2)
        #expect(report.reached)
        #expect(report.result.paths == [[
            TraceHop(ip: "10.0.0.1", rtt: .microseconds(10), mtu: 1500), TraceHop(),
            TraceHop(ip: "10.0.0.3", rtt: .microseconds(30), mtu: 1500),
        ]])
        let sent = prober.sent.withLock { $0 }
        #expect(sent.map(\.ttl) == [1, 1, 2, 2, 3, 3])
        #expect(sent.map(\.port) == Array(33434..<33440))
    }

    @Test func unreachableEndsTheTraceWithTheError() throws {
        let prober = ScriptedProber(answers: [1: .unreachable(ip: "10.0.0.1", error: "net-unreachable")])
        let report = try Self.run(prober)
        #expect(!report.reached && report.hops.count == 1)
        #expect(report.result.paths[0][0].error == "net-unreachable")
        #expect(report.result.succeeded)
    }

    @Test func silentPathStopsAtMaxHops() throws {
        let report = try Self.run(ScriptedProber(answers: [:]), hops: 4)
        #expect(report.result.paths == [[TraceHop(), TraceHop(), TraceHop(), TraceHop()]])
    }

    @Test func smallerMTUIsLearnedResentAndCarriedOn() throws {
        let prober = ScriptedProber(
            answers: [1: .hop(ip: "10.0.0.1"), 2: .hop(ip: "10.0.0.2"), 3: .reached(ip: "10.0.0.3")],
            bottleneck: (ttl: 2, mtu: 1400))
        let report = try Self.run(prober)
        #expect(report.result.paths[0].map(\.mtu) == [1500, 1400, 1400])
        #expect(report.result.paths[0].map(\.ip) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        // The oversized probe at TTL 2 was resent at the learned size; the resend is not a query.
        #expect(prober.sent.withLock { $0 }.map(\.size) == [1500, 1500, 1400, 1400])
    }
}
