import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// Real probes to loopback: the destination answers (port unreachable) at TTL 1.
@Suite(.timeLimit(.minutes(1))) struct TraceLoopbackTests {
    @Test func loopbackIsReachedInOneHop() throws {
        let report = TraceRun(parameters: try TraceParameters(dest: "127.0.0.1", wait: .seconds(2)).validated()).run()
        #expect(report.failure == nil)
        #expect(report.reached)
        #expect(report.hops.count == 1 && report.hops[0].probes.count == 3)
        let hop = try #require(report.result.paths.first?.first)
        #expect(hop.ip == "127.0.0.1" && hop.rtt?.hasPrefix("PT") == true && hop.error == nil)
    }

    @Test func ipv6LoopbackIsReachedInOneHop() throws {
        // Only a kernel without IPv6 (no /proc/net/if_inet6) or with it disabled on lo makes this
        // impossible; any other failure of the prober fails the test below.
        let inet6 = (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8)) ?? ""
        guard inet6.split(separator: "\n").contains(where: { $0.hasPrefix("00000000000000000000000000000001 ") }) else {
            try Prerequisite.unavailable("no IPv6 address ::1 on lo (/proc/net/if_inet6)")
            return
        }
        let report = TraceRun(parameters: try TraceParameters(dest: "::1", queries: 1, wait: .seconds(2)).validated())
            .run()
        #expect(report.reached)
        #expect(
            report.result.paths == [[TraceHop(ip: "::1", rtt: report.hops[0].probes[0].rtt, mtu: report.hops[0].mtu)]])
    }
}
