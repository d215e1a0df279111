import FathomShared
import Foundation
import Testing

@testable import FathomReceiver

/// Values of the wrong shape for their event type are refused with 400 and a JSON reason, through
/// both write paths (point POST and bulk PUT), and nothing of the request is stored (issue 9, item 4).
@Suite struct ArchiveValueShapeTests {
    static let archive = "/esmond/perfsonar/archive/"
    static let metadata = #"""
        {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
         "tool-name":"pscheduler/traceroute",
         "event-types":[{"event-type":"failures"},{"event-type":"packet-trace"},{"event-type":"packet-trace-multi"},
                        {"event-type":"histogram-owdelay"},{"event-type":"throughput"},{"event-type":"pscheduler-raw"}]}
        """#

    static func hops(_ count: Int) -> String {
        "["
            + (1...count).map { #"{"ttl":\#($0 % 256),"query":1,"success":1,"ip":"10.0.0.\#($0 % 256)","rtt":0.5}"# }
            .joined(separator: ",") + "]"
    }

    /// Refused values, by event type: each is what the issue saw stored with 201, or its near kin.
    static let refused: [(eventType: String, val: String, reason: String)] = [
        ("packet-trace", #""str""#, "list of hop objects"),
        ("packet-trace", #"[{"ttl":"a"}]"#, "'ttl' must be an integer"),
        ("packet-trace", #"[{"query":1}]"#, "missing 'ttl'"),
        ("packet-trace", #"[{"ttl":1,"rtt":"fast"}]"#, "'rtt'"),
        ("packet-trace", #"[{"ttl":1,"rtt":-1}]"#, "'rtt'"),
        ("packet-trace", #"[{"ttl":1,"success":2}]"#, "'success'"),
        ("packet-trace", #"[{"ttl":1,"mtu":1.5}]"#, "'mtu'"),
        ("packet-trace", #"[{"ttl":1,"ip":7}]"#, "'ip' must be a string"),
        ("packet-trace", #"[{"ttl":1,"as":{"number":"x"}}]"#, "'as.number'"),
        ("packet-trace", #"[{"ttl":1,"colour":"red"}]"#, "unknown field 'colour'"),
        ("packet-trace", #"[{"ttl":1,"hostname":""# + String(repeating: "h", count: 300) + #""}]"#, "longer than 255"),
        ("packet-trace", hops(ArchiveTraceValueRules.maxHops + 1), "limit \(ArchiveTraceValueRules.maxHops)"),
        ("packet-trace-multi", #"[{"ttl":1}]"#, "path 1: packet-trace value must be a list"),
        ("failures", "1", #"{"error": string}"#),
        ("failures", "[]", #"{"error": string}"#),
        ("failures", #"{"error":null}"#, #"{"error": string}"#),
        ("failures", #"{"error":"x","extra":1}"#, #"{"error": string}"#),
        ("failures", #"{"error":""# + String(repeating: "e", count: (16 << 10) + 1) + #""}"#, "longer than"),
        ("histogram-owdelay", #"{"":1}"#, "not a finite decimal"),
        ("histogram-owdelay", #"{"NaN":1}"#, "not a finite decimal"),
        ("histogram-owdelay", #"{"1e309":1}"#, "not a finite decimal"),
        ("histogram-owdelay", #"{"0x10":1}"#, "not a finite decimal"),
        ("histogram-owdelay", #"{"1.5":-3}"#, "negative"),
        ("throughput", #""fast""#, "must be an integer"),
    ]

    func create(_ server: ArchiveTestServer) async throws -> String {
        let created = try await server.send("POST", Self.archive, json: Self.metadata)
        return try #require((created.json as? [String: Any])?["metadata-key"] as? String)
    }

    func detail(_ reply: RawHTTPClient.Reply) -> String {
        (reply.json as? [String: Any])?["detail"] as? String ?? reply.body
    }

    @Test(.timeLimit(.minutes(2))) func wrongShapesAreRefusedWith400AndNothingIsStored() async throws {
        try await ArchiveTestServer.with { server in
            let key = try await create(server)
            for (index, case_) in Self.refused.enumerated() {
                let ts = 1_700_000_000 + index
                let point = try await server.send(
                    "POST", Self.archive + key + "/\(case_.eventType)/base", json: #"{"ts":\#(ts),"val":\#(case_.val)}"#
                )
                #expect(point.status == 400, "\(case_.eventType) \(case_.val.prefix(60)): \(point.status)")
                #expect(point.header("Content-Type") == "application/json")
                #expect(detail(point).contains(case_.reason), "\(case_.val.prefix(60)): \(detail(point).prefix(200))")
                // In a bulk PUT behind a good point: the whole request is refused, the good point too.
                let bulk = #"""
                    {"data":[{"ts":\#(ts),"val":[{"event-type":"throughput","val":1000},
                                                  {"event-type":"\#(case_.eventType)","val":\#(case_.val)}]}]}
                    """#
                let put = try await server.send("PUT", Self.archive + key + "/", json: bulk)
                #expect(put.status == 400, "bulk \(case_.eventType) \(case_.val.prefix(60)): \(put.status)")
                #expect(detail(put).contains(case_.reason))
            }
            for eventType in [
                "failures", "packet-trace", "packet-trace-multi", "histogram-owdelay", "throughput", "pscheduler-raw",
            ] {
                let stored = try await server.get(Self.archive + key + "/\(eventType)/base?time-start=0")
                #expect(stored.body == "[]", "\(eventType): \(stored.body.prefix(200))")
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func pSchedulerShapesAtTheLimitsAreStored() async throws {
        try await ArchiveTestServer.with { server in
            let key = try await create(server)
            let accepted: [(String, String)] = [
                ("packet-trace", "[]"),
                ("packet-trace", Self.hops(ArchiveTraceValueRules.maxHops)),
                (
                    "packet-trace",
                    #"[{"ttl":1,"query":1,"success":true,"hostname":null,"error_message":"x","as":{"number":10886,"owner":"MAX"}}]"#
                ),
                ("packet-trace-multi", "[" + Self.hops(3) + "," + Self.hops(2) + "]"),
                ("failures", #"{"error":""# + String(repeating: "e", count: 16 << 10) + #""}"#),
                ("histogram-owdelay", #"{"41.00":98,"-0.5":1,"1e3":2,"50":0}"#),
            ]
            for (index, (eventType, val)) in accepted.enumerated() {
                let reply = try await server.send(
                    "POST", Self.archive + key + "/\(eventType)/base",
                    json: #"{"ts":\#(1_700_000_000 + index),"val":\#(val)}"#)
                #expect(reply.status == 201, "\(eventType) \(val.prefix(80)): \(reply.body.prefix(200))")
            }
            let trace = try await server.get(Self.archive + key + "/packet-trace/base?time-start=0")
            let values = (trace.json as? [[String: Any]])?.compactMap { $0["val"] as? [Any] }.map(\.count)
            #expect(values == [0, ArchiveTraceValueRules.maxHops, 1])
        }
    }

    /// Larger than any request body the test server takes, so checked on the validator itself.
    @Test func aValueOverTheSizeLimitIsRefusedWhateverItsType() throws {
        let big = JSONValue.object(["blob": .string(String(repeating: "r", count: ArchiveValueValidator.maxValueBytes))]
        )
        #expect(throws: ArchiveValidationError.self) {
            try ArchiveValueValidator.normalise(big, kind: .json, eventType: "pscheduler-raw")
        }
        let fits = JSONValue.object([
            "blob": .string(String(repeating: "r", count: ArchiveValueValidator.maxValueBytes - 20))
        ])
        #expect(try ArchiveValueValidator.normalise(fits, kind: .json, eventType: "pscheduler-raw") == fits)
    }
}
