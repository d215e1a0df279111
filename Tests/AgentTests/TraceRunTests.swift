import FathomAgent
import Foundation
import Synchronization
import Testing

/// A scripted network (internal: the suite's helpers take it as a parameter): answers per TTL,
/// and an MTU below which packets pass the bottleneck. Answers come at once; a silent TTL's
/// probe is simply never answered, so `answers` sleeps to the deadline like a quiet socket.
final class ScriptedProber: TraceProbing {
    struct Sent: Equatable { var ttl: Int, port: UInt16, size: Int }
    let answers: [Int: ProbeReply]
    let bottleneck: (ttl: Int, mtu: Int)?
    let sent = Mutex<[Sent]>([])
    /// The most probes that were ever in flight at once.
    let peakInFlight = Mutex<(now: Int, peak: Int)>((0, 0))

    init(answers: [Int: ProbeReply], bottleneck: (ttl: Int, mtu: Int)? = nil) {
        self.answers = answers
        self.bottleneck = bottleneck
    }

    func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int { 1500 }

    func send(to dest: IPSocketAddress, ttl: Int, packetSize: Int) throws(TraceError) -> ProbeSend {
        let index = sent.withLock {
            $0.append(Sent(ttl: ttl, port: dest.port, size: packetSize))
            return $0.count - 1
        }
        peakInFlight.withLock { $0 = ($0.now + 1, max($0.peak, $0.now + 1)) }
        return .inFlight(SentProbe(socket: Int32(index), sentAt: .now))
    }

    func answers(for probes: [SentProbe], until deadline: ContinuousClock.Instant) throws(TraceError)
        -> [ProbeOutcome?]
    {
        var found = [ProbeOutcome?](repeating: nil, count: probes.count)
        for (index, probe) in probes.enumerated() {
            let sent = self.sent.withLock { $0[Int(probe.socket)] }
            if let bottleneck, sent.ttl >= bottleneck.ttl, sent.size > bottleneck.mtu {
                found[index] = ProbeOutcome(
                    reply: .mtuExceeded(mtu: bottleneck.mtu, from: "10.0.0.\(bottleneck.ttl - 1)"),
                    rtt: .microseconds(5))
            } else if let reply = answers[sent.ttl] {
                found[index] = ProbeOutcome(reply: reply, rtt: .microseconds(10 * sent.ttl))
            }
        }
        if !found.contains(where: { $0 != nil }) { Thread.sleep(until: deadline) }
        return found
    }

    func finish(_ probe: SentProbe) {
        peakInFlight.withLock { $0.now -= 1 }
    }
}

extension Thread {
    /// Sleeps until `deadline` on the continuous clock.
    static func sleep(until deadline: ContinuousClock.Instant) {
        let left = ContinuousClock.now.duration(to: deadline)
        if left > .zero {
            usleep(
                UInt32(clamping: left.components.seconds * 1_000_000 + left.components.attoseconds / 1_000_000_000_000))
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct TraceRunTests {
    static func run(
        _ prober: ScriptedProber, hops: Int = 30, queries: Int = 1, wait: Duration = .milliseconds(10),
        silentHops: Int = 5,
        simultaneous: Int = 16
    ) throws -> TraceReport {
        let parameters = try TraceParameters(
            dest: "127.0.0.1", hops: hops, queries: queries, wait: wait, simultaneous: simultaneous,
            silentHops: silentHops
        ).validated()
        return TraceRun(parameters: parameters, prober: prober).run()
    }

    @Test func stopsAtTheDestinationAndNumbersPortsUpward() throws {
        let prober = ScriptedProber(answers: [1: .hop(ip: "10.0.0.1"), 3: .reached(ip: "10.0.0.3")])
        let report = try Self.run(prober, queries: 2)
        #expect(report.reached)
        #expect(
            report.result.paths == [
                [
                    TraceHop(ip: "10.0.0.1", rtt: .microseconds(10), mtu: 1500), TraceHop(),
                    TraceHop(ip: "10.0.0.3", rtt: .microseconds(30), mtu: 1500),
                ]
            ])
        // Two TTLs past the last answer go out at once, so nothing past the destination was sent;
        // in TTL order, each probe on the next port.
        let sent = prober.sent.withLock { $0 }
        #expect(sent.map(\.ttl) == [1, 1, 2, 2, 3, 3])
        #expect(sent.map(\.port) == Array(33434..<33440))
        #expect(report.hops.map(\.probes.count) == [2, 2, 2])
    }

    @Test func oneProbeInFlightProbesTTLByTTL() throws {
        let prober = ScriptedProber(answers: [1: .hop(ip: "10.0.0.1"), 3: .reached(ip: "10.0.0.3")])
        let report = try Self.run(prober, queries: 2, simultaneous: 1)
        #expect(report.result.paths[0].map(\.ip) == ["10.0.0.1", nil, "10.0.0.3"])
        #expect(prober.sent.withLock { $0 }.map(\.ttl) == [1, 1, 2, 2, 3, 3])
        #expect(prober.peakInFlight.withLock { $0.peak } == 1)
    }

    @Test func silentHopBeforeAnAnswerWaitsNearTimesItsRTTNotTheFullWait() throws {
        // traceroute's NEAR: TTL 2 is silent, TTL 3 answers in 30 µs, so TTL 2 waits 10 × (30 µs + 1 ms).
        let prober = ScriptedProber(answers: [1: .hop(ip: "10.0.0.1"), 3: .reached(ip: "10.0.0.3")])
        let report = try Self.run(prober, queries: 3, wait: .seconds(20))
        #expect(report.result.paths[0].map(\.ip) == ["10.0.0.1", nil, "10.0.0.3"])
        let took = try #require(report.duration)
        #expect(took < .seconds(2), "took \(took)")
    }

    @Test func waitRuleFollowsTracerouteHereAndNear() throws {
        let parameters = try TraceParameters(dest: "127.0.0.1", queries: 2, wait: .seconds(5)).validated()
        let run = TraceRun(parameters: parameters, prober: ScriptedProber(answers: [:]))
        let answer = ProbeOutcome(reply: .hop(ip: "10.0.0.1"), rtt: .milliseconds(1))
        // HERE: the other query at the same TTL answered in 1 ms → 3 × 2 ms.
        #expect(run.wait(for: 0, [nil, answer, nil, nil]) == .milliseconds(6))
        // NEAR: a later TTL answered in 1 ms → 10 × 2 ms; an earlier one does not count.
        #expect(run.wait(for: 0, [nil, nil, nil, answer]) == .milliseconds(20))
        #expect(run.wait(for: 2, [answer, nil, nil, nil]) == .seconds(5))
        // Never more than the full wait.
        let slow = ProbeOutcome(reply: .hop(ip: "10.0.0.1"), rtt: .seconds(4))
        #expect(run.wait(for: 0, [nil, nil, slow, nil]) == .seconds(5))
    }

    @Test func silentDestinationStopsAfterSilentHopsInOneWait() throws {
        let prober = ScriptedProber(answers: [1: .hop(ip: "10.0.0.1"), 2: .hop(ip: "10.0.0.2")])
        let report = try Self.run(prober, queries: 3, wait: .milliseconds(300), silentHops: 4)
        #expect(report.result.paths[0].map(\.ip) == ["10.0.0.1", "10.0.0.2", nil, nil, nil, nil])
        #expect(!report.reached)
        // TTLs 3…6 are all in flight within milliseconds of the last answer: one wait, not one per silent TTL.
        let took = try #require(report.duration)
        #expect(took < .milliseconds(900), "took \(took)")
        #expect(prober.sent.withLock { $0 }.map(\.ttl).max() == 6)
    }

    @Test func unreachableEndsTheTraceWithTheError() throws {
        let prober = ScriptedProber(answers: [1: .unreachable(ip: "10.0.0.1", error: "net-unreachable")])
        let report = try Self.run(prober)
        #expect(!report.reached && report.hops.count == 1)
        #expect(report.result.paths[0][0].error == "net-unreachable")
        #expect(report.result.succeeded)
    }

    @Test func silentPathStopsAtMaxHops() throws {
        let report = try Self.run(ScriptedProber(answers: [:]), hops: 4, silentHops: 30)
        #expect(report.result.paths == [[TraceHop(), TraceHop(), TraceHop(), TraceHop()]])
    }

    @Test func smallerMTUIsLearnedResentAndCarriedOn() throws {
        let prober = ScriptedProber(
            answers: [1: .hop(ip: "10.0.0.1"), 2: .hop(ip: "10.0.0.2"), 3: .reached(ip: "10.0.0.3")],
            bottleneck: (ttl: 2, mtu: 1400))
        let report = try Self.run(prober)
        #expect(report.result.paths[0].map(\.mtu) == [1500, 1400, 1400])
        #expect(report.result.paths[0].map(\.ip) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        // The oversized probe at TTL 2 was resent at the learned size (the resend is not a
        // query); TTL 3 went out after the MTU was learned (or was resent at it).
        let sent = prober.sent.withLock { $0 }
        #expect(sent.filter { $0.ttl == 1 }.map(\.size) == [1500])
        #expect(sent.filter { $0.ttl == 2 }.map(\.size) == [1500, 1400])
        #expect(sent.filter { $0.ttl == 3 }.last?.size == 1400)
        #expect(report.hops.map(\.probes.count) == [1, 1, 1])
    }
}
