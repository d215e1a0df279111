import FathomAgent
import FathomShared
import Foundation
import Testing

/// pScheduler result shaping: durations, JSON keys, silent hops, failures.
@Suite(.timeLimit(.minutes(2))) struct TraceResultTests {
    @Test func durationsAreISO8601SecondsWithMicroseconds() {
        #expect(ISODuration.string(.microseconds(95)) == "PT0.000095S")
        #expect(ISODuration.string(.microseconds(110)) == "PT0.00011S")
        #expect(ISODuration.string(.seconds(2)) == "PT2S")
        #expect(ISODuration.string(.milliseconds(1500)) == "PT1.5S")
        #expect(ISODuration.string(.nanoseconds(400)) == "PT0S")
        #expect(ISODuration.string(.nanoseconds(600)) == "PT0.000001S")
    }

    @Test func jsonHasPSchedulerShapeAndSilentHopsAreEmptyObjects() throws {
        let result = TraceResult(paths: [
            [
                TraceHop(ip: "10.20.1.1", rtt: .microseconds(95), mtu: 1500), TraceHop(),
                TraceHop(ip: "10.20.3.2", rtt: .microseconds(110), mtu: 1500),
            ]
        ])
        let json = result.jsonString()
        #expect(
            json
                == #"{"paths":[[{"ip":"10.20.1.1","mtu":1500,"rtt":"PT0.000095S"},{},{"ip":"10.20.3.2","mtu":1500,"rtt":"PT0.00011S"}]],"schema":1,"succeeded":true}"#
        )
        #expect(try TraceResult.decode(json: json) == result)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "succeeded", "paths"])
    }

    @Test func failureHasErrorAndEmptyPaths() throws {
        let json = TraceResult.failure("cannot resolve \"x\"").jsonString()
        #expect(json == #"{"error":"cannot resolve \"x\"","paths":[],"schema":1,"succeeded":false}"#)
    }

    @Test func reportKeepsFirstAnswerPerTTLAndCarriesErrors() {
        let hops = [
            TraceReport.Hop(
                ttl: 1,
                probes: [
                    ProbeOutcome(reply: .timeout, rtt: nil),
                    ProbeOutcome(reply: .hop(ip: "10.0.0.1"), rtt: .microseconds(300)),
                    ProbeOutcome(reply: .hop(ip: "10.0.0.9"), rtt: .microseconds(100)),
                ], mtu: 1500),
            TraceReport.Hop(ttl: 2, probes: [ProbeOutcome(reply: .timeout, rtt: nil)], mtu: 1500),
            TraceReport.Hop(
                ttl: 3,
                probes: [
                    ProbeOutcome(reply: .unreachable(ip: "10.0.1.1", error: "host-unreachable"), rtt: .microseconds(50))
                ], mtu: 1400),
        ]
        let report = TraceReport(dest: "d", address: "10.9.9.9", firstTTL: 1, hops: hops, failure: nil)
        #expect(!report.reached)
        #expect(
            report.result.paths == [
                [
                    TraceHop(ip: "10.0.0.1", rtt: .microseconds(300), mtu: 1500), TraceHop(),
                    TraceHop(ip: "10.0.1.1", rtt: .microseconds(50), error: "host-unreachable", mtu: 1400),
                ]
            ])
        #expect(report.summary.contains(" 1  *  10.0.0.1  0.300 ms  10.0.0.9  0.100 ms  pmtu 1500"))
        #expect(report.summary.contains(" 3  10.0.1.1  0.050 ms !H  pmtu 1400"))
        #expect(report.summary.hasSuffix("destination not reached\n"))
    }

    @Test func icmpErrorNamesFollowPSchedulerEnum() {
        #expect(ICMPError.v4(code: 0) == "net-unreachable")
        #expect(ICMPError.v4(code: 1) == "host-unreachable")
        #expect(ICMPError.v4(code: 13) == "communication-administratively-prohibited")
        #expect(ICMPError.v4(code: 15) == "precedence-cutoff-in-effect")
        #expect(ICMPError.v4(code: 16) == "icmp-unreachable-code-16")
        #expect(ICMPError.v6(code: 0) == "net-unreachable")
        #expect(ICMPError.v6(code: 1) == "communication-administratively-prohibited")
        #expect(ICMPError.v6(code: 3) == "host-unreachable")
    }
}
