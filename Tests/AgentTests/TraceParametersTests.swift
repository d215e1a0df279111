import FathomAgent
import Testing

/// Parameter validation: every bad value is refused with a message naming it.
@Suite(.timeLimit(.minutes(2))) struct TraceParametersTests {
    @Test func defaultsFollowPSchedulerAndTraceroute() throws {
        let parameters = try TraceParameters(dest: "127.0.0.1").validated()
        #expect(parameters.hops == 30 && parameters.queries == 3 && parameters.firstTTL == 1)
        #expect(parameters.wait == .seconds(5) && parameters.firstPort == 33434)
    }

    @Test(arguments: [
        (TraceParameters(dest: ""), "dest"),
        (TraceParameters(dest: "x", hops: 0), "hops"),
        (TraceParameters(dest: "x", hops: 256), "hops"),
        (TraceParameters(dest: "x", firstTTL: 5, hops: 4), "first-ttl"),
        (TraceParameters(dest: "x", firstTTL: 0), "first-ttl"),
        (TraceParameters(dest: "x", queries: 0), "queries"),
        (TraceParameters(dest: "x", queries: 11), "queries"),
        (TraceParameters(dest: "x", wait: .zero), "wait"),
        (TraceParameters(dest: "x", wait: .seconds(61)), "wait"),
        (TraceParameters(dest: "x", firstPort: 0), "first-port"),
        (TraceParameters(dest: "x", firstPort: 65500), "first-port"),
        (TraceParameters(dest: "x", ipVersion: 5), "ip-version"),
    ])
    func invalidParametersAreRefused(parameters: TraceParameters, name: String) {
        do {
            _ = try parameters.validated()
            Issue.record("accepted \(parameters)")
        } catch {
            #expect(error.description.contains(name), "\(error)")
        }
    }

    @Test func probeTypeTakesPSchedulerNamesOnly() throws {
        #expect(try TraceProbeType(parsing: "udp") == .udp)
        #expect(try TraceProbeType(parsing: "icmp") == .icmp)
        for bad in ["tcp", "ICMP", ""] {
            #expect(throws: TraceError.invalidParameter("probe-type must be udp or icmp, got \"\(bad)\"")) {
                try TraceProbeType(parsing: bad)
            }
        }
        let parameters = try TraceParameters(dest: "127.0.0.1", probeType: .icmp, hostnames: true).validated()
        #expect(parameters.probeType == .icmp && parameters.hostnames)
    }

    @Test func missingRawSocketPermissionNamesTheCapability() {
        let message = TraceError.rawSocketNotPermitted(errno: 1).description
        #expect(
            message.contains("CAP_NET_RAW") && message.contains("probe-type udp")
                && message.contains("Operation not permitted"))
    }

    @Test func unresolvableNameIsAClearFailure() throws {
        let report = TraceRun(parameters: try TraceParameters(dest: "no-such-host.invalid").validated()).run()
        #expect(report.failure?.description.hasPrefix("cannot resolve \"no-such-host.invalid\"") == true)
        #expect(report.result.succeeded == false && report.result.paths.isEmpty)
        #expect(report.result.error == report.failure?.description)
    }
}
