import FathomAgent
import FathomTestSupport
import Testing

/// Real ICMP echo probes to loopback (needs CAP_NET_RAW; without it, and only then, the tests go
/// through `Prerequisite.unavailable`): the destination's echo reply ends the trace at TTL 1.
@Suite(.timeLimit(.minutes(1))) struct TraceICMPLoopbackTests {
    /// Nil when raw ICMP sockets can be opened here; the reason when the kernel refused one for
    /// want of CAP_NET_RAW. Any other error (no IPv6, a bad address) is thrown: a failure.
    static func skipReason(_ dest: String) throws -> String? {
        do {
            _ = try ICMPEchoProber().initialMTU(to: IPSocketAddress.resolve(dest))
            return nil
        } catch .rawSocketNotPermitted(let errno) {
            return TraceError.rawSocketNotPermitted(errno: errno).description
        }
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func loopbackAnswersTheEchoAtTTL1(dest: String) throws {
        if let reason = try Self.skipReason(dest) {
            try Prerequisite.unavailable(reason)
            return
        }
        let parameters = try TraceParameters(dest: dest, queries: 2, wait: .seconds(2), probeType: .icmp).validated()
        let run = TraceRun(parameters: parameters)
        #expect(run.prober is ICMPEchoProber)
        let report = run.run()
        #expect(report.failure == nil)
        #expect(report.reached && report.hops.count == 1)
        #expect(report.hops[0].probes.map(\.reply) == [.reached(ip: dest), .reached(ip: dest)])
        let hop = try #require(report.result.paths.first?.first)
        #expect(hop.ip == dest && hop.error == nil && hop.rtt?.hasPrefix("PT") == true && hop.mtu == report.hops[0].mtu)
    }

    @Test func twoProbersToOneDestinationEachGetTheirOwnReplies() throws {
        if let reason = try Self.skipReason("127.0.0.1") {
            try Prerequisite.unavailable(reason)
            return
        }
        // Two probers probing the same destination at once each get their own answers.
        let dest = try IPSocketAddress.resolve("127.0.0.1")
        let first = ICMPEchoProber(identifier: 0x0101)
        let second = ICMPEchoProber(identifier: 0x0102)
        for _ in 0..<3 {
            for prober in [first, second] {
                let outcome = try prober.probe(to: dest, ttl: 64, packetSize: 84, wait: .seconds(2))
                #expect(outcome.reply == .reached(ip: "127.0.0.1") && outcome.rtt != nil)
            }
        }
    }

    @Test func udpStaysTheDefaultProbe() throws {
        let parameters = try TraceParameters(dest: "127.0.0.1").validated()
        #expect(parameters.probeType == .udp && !parameters.hostnames)
        #expect(TraceRun(parameters: parameters).prober is UDPProber)
    }
}
