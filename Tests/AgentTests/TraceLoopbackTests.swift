import FathomAgent
import Testing

/// Real probes to loopback: the destination answers (port unreachable) at TTL 1.
@Suite struct TraceLoopbackTests {
    @Test func loopbackIsReachedInOneHop() throws {
        let report = TraceRun(parameters: try TraceParameters(dest: "127.0.0.1", wait: .seconds(2)).validated()).run()
        #expect(report.failure == nil)
        #expect(report.reached)
        #expect(report.hops.count == 1 && report.hops[0].probes.count == 3)
        let hop = try #require(report.result.paths.first?.first)
        #expect(hop.ip == "127.0.0.1" && hop.rtt?.hasPrefix("PT") == true && hop.error == nil)
    }

    @Test func ipv6LoopbackIsReachedInOneHop() throws {
        guard (try? SocketAddress.resolve("::1")) != nil, (try? UDPProber().initialMTU(to: SocketAddress.resolve("::1"))) != nil else {
            print("SKIP ipv6LoopbackIsReachedInOneHop: no IPv6 loopback")
            return
        }
        let report = TraceRun(parameters: try TraceParameters(dest: "::1", queries: 1, wait: .seconds(2)).validated()).run()
        #expect(report.reached)
        #expect(report.result.paths == [[TraceHop(ip: "::1", rtt: report.hops[0].probes[0].rtt, mtu: report.hops[0].mtu)]])
    }
}
