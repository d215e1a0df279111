import FathomAgent
import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct EsmondRecordMappingTests {
    func record(type: String, spec: [String: JSONValue], result: String) throws -> MeasurementRecord {
        MeasurementRecord(
            runID: "0123456789abcdef0123456789abcdef", testName: "t", testType: type, tool: type == "trace" ? "tracepath" : "iperf3",
            sourceAddress: "10.0.0.1", dest: "ps2.example.net", destAddress: "10.0.0.2", start: 1_795_410_000, durationSeconds: 15,
            spec: spec, result: try JSONText.parse(Array(result.utf8)))
    }

    /// The event-type → value pairs of the single data point.
    func values(_ esmond: EsmondRecord) -> [String: JSONValue] {
        guard case .array(let points)? = esmond.data["data"], points.count == 1, case .array(let values)? = points[0]["val"] else { return [:] }
        var out: [String: JSONValue] = [:]
        for value in values {
            if case .string(let name)? = value["event-type"] { out[name] = value["val"] }
        }
        return out
    }

    func eventTypes(_ esmond: EsmondRecord) -> [String] {
        guard case .array(let list)? = esmond.metadata["event-types"] else { return [] }
        return list.compactMap { if case .string(let name)? = $0["event-type"] { name } else { nil } }
    }

    @Test func traceHopsBecomePacketTraceWithMillisecondsAndCarriedMTU() throws {
        let r = try record(type: "trace", spec: ["first-ttl": .integer(1), "hops": .integer(30), "queries": .integer(3), "probe-type": .string("udp")], result: """
            {"schema":1,"succeeded":true,"paths":[[{"ip":"10.0.2.2","rtt":"PT0.0002S"},
             {"ip":"192.52.179.65","hostname":"rtr1.example.net.","rtt":"PT0.0015S","mtu":9000},
             {},
             {"ip":"10.9.9.9","error":"host-unreachable","rtt":"PT0.003S","mtu":1500}]]}
            """)
        let esmond = EsmondRecordMapping.map(r)
        #expect(eventTypes(esmond) == ["failures", "packet-trace", "path-mtu"])
        #expect(esmond.metadata["subject-type"] == .string("point-to-point"))
        #expect(esmond.metadata["source"] == .string("10.0.0.1"))
        #expect(esmond.metadata["destination"] == .string("10.0.0.2"))
        #expect(esmond.metadata["input-destination"] == .string("ps2.example.net"))
        #expect(esmond.metadata["measurement-agent"] == .string("10.0.0.1"))
        #expect(esmond.metadata["tool-name"] == .string("pscheduler/tracepath"))
        #expect(esmond.metadata["time-duration"] == .number(15))
        #expect(esmond.metadata["trace-max-ttl"] == .integer(30))
        #expect(esmond.metadata["trace-num-queries"] == .integer(3))
        #expect(esmond.metadata["ip-transport-protocol"] == .string("udp"))
        let v = values(esmond)
        guard case .array(let hops)? = v["packet-trace"] else {
            Issue.record("no packet-trace")
            return
        }
        #expect(hops.count == 4)
        #expect(hops[0] == .object(["ttl": .integer(1), "query": .integer(1), "success": .integer(1), "ip": .string("10.0.2.2"), "rtt": .number(0.2)]))
        #expect(hops[1]["hostname"] == .string("rtr1.example.net."))
        #expect(hops[1]["mtu"] == .integer(9000))
        #expect(hops[2] == .object(["ttl": .integer(3), "query": .integer(1), "success": .integer(0), "mtu": .integer(9000)]),
                "a silent hop carries the MTU forward and is not a success")
        #expect(hops[3]["error-message"] == .string("host-unreachable"))
        #expect(hops[3]["success"] == .integer(0))
        #expect(abs((hops[3]["rtt"]?.doubleValue ?? 0) - 3.0) < 1e-9)
        #expect(v["path-mtu"] == .integer(1500), "path-mtu is the smallest MTU seen")
        #expect(v["failures"] == nil)
    }

    @Test func traceWithoutMTUHasNoPathMTUPoint() throws {
        let r = try record(type: "trace", spec: [:], result: #"{"succeeded":true,"paths":[[{"ip":"127.0.0.1","rtt":"PT0.00003S"}]]}"#)
        let v = values(EsmondRecordMapping.map(r))
        #expect(v["path-mtu"] == nil)
        #expect(v["packet-trace"] != nil)
    }

    static let tcpResult = """
        {"succeeded":true,"diags":"",
         "intervals":[{"streams":[{"stream-id":5,"start":0,"end":1,"throughput-bits":9.4e9,"throughput-bytes":1175000000,"retransmits":0},
                                  {"stream-id":6,"start":0,"end":1,"throughput-bits":1.0e9,"throughput-bytes":125000000,"retransmits":1}],
                      "summary":{"start":0,"end":1,"throughput-bits":10.4e9,"throughput-bytes":1300000000,"retransmits":1}},
                     {"streams":[{"stream-id":5,"start":1,"end":2,"throughput-bits":9.2e9,"throughput-bytes":1150000000,"retransmits":3},
                                  {"stream-id":6,"start":1,"end":2,"throughput-bits":2.0e9,"throughput-bytes":250000000,"retransmits":0}],
                      "summary":{"start":1,"end":2,"throughput-bits":11.2e9,"throughput-bytes":1400000000,"retransmits":3}}],
         "summary":{"streams":[{"stream-id":5,"start":0,"end":2,"throughput-bits":9.3e9,"throughput-bytes":2325000000,"retransmits":3},
                               {"stream-id":6,"start":0,"end":2,"throughput-bits":1.5e9,"throughput-bytes":375000000,"retransmits":1}],
                    "summary":{"start":0,"end":2,"throughput-bits":10.8e9,"throughput-bytes":2700000000,"retransmits":4,"receiver-throughput-bits":10.79e9}}}
        """

    @Test func tcpThroughputMapsSummaryRetransmitsSubintervalsAndStreams() throws {
        let r = try record(type: "throughput", spec: ["parallel": .integer(2), "udp": .bool(false), "duration": .string("PT2S")], result: Self.tcpResult)
        let esmond = EsmondRecordMapping.map(r)
        #expect(eventTypes(esmond) == [
            "failures", "throughput", "throughput-subintervals", "packet-retransmits", "packet-retransmits-subintervals",
            "streams-throughput", "streams-throughput-subintervals", "streams-packet-retransmits", "streams-packet-retransmits-subintervals",
        ])
        #expect(esmond.metadata["ip-transport-protocol"] == .string("tcp"))
        #expect(esmond.metadata["bw-parallel-streams"] == .integer(2))
        #expect(esmond.metadata["tool-name"] == .string("pscheduler/iperf3"))
        let v = values(esmond)
        #expect(v["throughput"] == .number(10.8e9))
        #expect(v["packet-retransmits"] == .integer(4))
        #expect(v["throughput-subintervals"] == .array([
            .object(["start": .number(0), "duration": .number(1), "val": .number(10.4e9)]),
            .object(["start": .number(1), "duration": .number(1), "val": .number(11.2e9)]),
        ]))
        #expect(v["packet-retransmits-subintervals"] == .array([
            .object(["start": .number(0), "duration": .number(1), "val": .integer(1)]),
            .object(["start": .number(1), "duration": .number(1), "val": .integer(3)]),
        ]))
        #expect(v["streams-throughput"] == .array([.number(9.3e9), .number(1.5e9)]))
        #expect(v["streams-packet-retransmits"] == .array([.integer(3), .integer(1)]))
        guard case .array(let perStream)? = v["streams-throughput-subintervals"] else {
            Issue.record("no streams-throughput-subintervals")
            return
        }
        #expect(perStream.count == 2)
        #expect(perStream[1] == .array([
            .object(["start": .number(0), "duration": .number(1), "val": .number(1.0e9)]),
            .object(["start": .number(1), "duration": .number(1), "val": .number(2.0e9)]),
        ]))
        // The whole metadata says which summaries to keep, as pScheduler's defaults do.
        guard case .array(let types)? = esmond.metadata["event-types"] else { return }
        #expect(types[1]["summaries"] == .array([.object([
            "event-type": .string("throughput"), "summary-type": .string("average"), "summary-window": .integer(86400),
        ])]))
    }

    @Test func udpThroughputMapsLossCountsAndRate() throws {
        let result = """
            {"succeeded":true,"diags":"","intervals":[],
             "summary":{"streams":[],"summary":{"start":0,"end":5,"throughput-bits":99973876.98,"throughput-bytes":62000000,"sent":25892,"lost":13,"jitter":0}}}
            """
        let esmond = EsmondRecordMapping.map(try record(type: "throughput", spec: ["udp": .bool(true), "parallel": .integer(1)], result: result))
        #expect(eventTypes(esmond) == ["failures", "throughput", "throughput-subintervals", "packet-loss-rate", "packet-count-lost", "packet-count-sent"])
        #expect(esmond.metadata["ip-transport-protocol"] == .string("udp"))
        let v = values(esmond)
        #expect(v["packet-count-sent"] == .integer(25892))
        #expect(v["packet-count-lost"] == .integer(13))
        #expect(v["packet-loss-rate"] == .object(["numerator": .integer(13), "denominator": .integer(25892)]))
        #expect(v["packet-retransmits"] == nil)

        let nothingSent = result.replacing("\"sent\":25892", with: "\"sent\":0")
        let none = values(EsmondRecordMapping.map(try record(type: "throughput", spec: ["udp": .bool(true)], result: nothingSent)))
        #expect(none["packet-loss-rate"] == nil, "no loss rate without packets sent")
    }

    @Test func aFailedRunIsOneFailuresPointAndAnUnresolvedDestinationIsNotNull() throws {
        var r = try record(type: "throughput", spec: [:], result: #"{"succeeded":false,"error":"cannot resolve \"nowhere.invalid\""}"#)
        r.sourceAddress = nil
        r.destAddress = nil
        let esmond = EsmondRecordMapping.map(r)
        #expect(values(esmond) == ["failures": .object(["error": .string(#"cannot resolve "nowhere.invalid""#)])])
        #expect(esmond.metadata["source"] == .string("0.0.0.0"))
        #expect(esmond.metadata["destination"] == .string("0.0.0.0"))
        #expect(esmond.data["data"].flatMap { if case .array(let a) = $0 { a.first?["ts"] } else { nil } } == .integer(Int64(1_795_410_000)))
    }

    @Test func recordsSurviveTheSpoolEncoding() throws {
        let r = try record(type: "throughput", spec: ["parallel": .integer(2), "udp": .bool(false)], result: Self.tcpResult)
        #expect(try MeasurementRecord(jsonBytes: r.jsonBytes) == r)
        #expect(throws: ConfigError.self) { try MeasurementRecord(jsonBytes: Array(#"{"run-id":"x"}"#.utf8)) }
        #expect(throws: ConfigError.self) { try MeasurementRecord(jsonBytes: Array("not json".utf8)) }
    }
}
