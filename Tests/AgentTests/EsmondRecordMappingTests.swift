import FathomShared
import Testing

@testable import FathomAgent

@Suite(.timeLimit(.minutes(2))) struct EsmondRecordMappingTests {
    func record(_ outcome: MeasurementOutcome) -> MeasurementRecord {
        MeasurementRecord(
            runID: "0123456789abcdef0123456789abcdef", testName: "t", sourceAddress: "10.0.0.1",
            destAddress: "10.0.0.2",
            start: 1_795_410_000, outcome: outcome)
    }

    func trace(_ parameters: TraceParameters = TraceParameters(dest: "ps2.example.net"), result: String) throws
        -> MeasurementRecord
    {
        record(.trace(parameters, try TraceResult.decode(json: result)))
    }

    func throughput(_ parameters: ThroughputParameters, result: String) throws -> MeasurementRecord {
        record(.throughput(parameters, try ThroughputResult.decode(json: result)))
    }

    /// The event-type → value pairs of the single data point.
    func values(_ esmond: EsmondRecord) -> [String: JSONValue] {
        guard case .array(let points)? = esmond.data["data"], points.count == 1,
            case .array(let values)? = points[0]["val"]
        else { return [:] }
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
        let r = try trace(
            TraceParameters(dest: "ps2.example.net", hops: 30, queries: 3, probeType: .udp),
            result: """
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
        #expect(esmond.metadata["time-duration"] == .number(30), "the time a trace reserves")
        #expect(esmond.metadata["trace-first-ttl"] == .integer(1))
        #expect(esmond.metadata["time-test-timeout"] == .string("PT5S"))
        #expect(esmond.metadata["trace-max-ttl"] == .integer(30))
        #expect(esmond.metadata["trace-num-queries"] == .integer(3))
        #expect(esmond.metadata["ip-transport-protocol"] == .string("udp"))
        let v = values(esmond)
        guard case .array(let hops)? = v["packet-trace"] else {
            Issue.record("no packet-trace")
            return
        }
        #expect(hops.count == 4)
        #expect(
            hops[0]
                == .object([
                    "ttl": .integer(1), "query": .integer(1), "success": .integer(1), "ip": .string("10.0.2.2"),
                    "rtt": .number(0.2),
                ]))
        #expect(hops[1]["hostname"] == .string("rtr1.example.net."))
        #expect(hops[1]["mtu"] == .integer(9000))
        #expect(
            hops[2]
                == .object(["ttl": .integer(3), "query": .integer(1), "success": .integer(0), "mtu": .integer(9000)]),
            "a silent hop carries the MTU forward and is not a success")
        #expect(hops[3]["error-message"] == .string("host-unreachable"))
        #expect(hops[3]["success"] == .integer(0))
        #expect(abs((hops[3]["rtt"]?.doubleValue ?? 0) - 3.0) < 1e-9)
        #expect(v["path-mtu"] == .integer(1500), "path-mtu is the smallest MTU seen")
        #expect(v["failures"] == nil)
    }

    @Test func traceWithoutMTUHasNoPathMTUPoint() throws {
        let r = try trace(result: #"{"succeeded":true,"paths":[[{"ip":"127.0.0.1","rtt":"PT0.00003S"}]]}"#)
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
        let r = try throughput(
            ThroughputParameters(dest: "ps2.example.net", parallel: 2, duration: 2), result: Self.tcpResult)
        let esmond = EsmondRecordMapping.map(r)
        #expect(
            eventTypes(esmond) == [
                "failures", "throughput", "throughput-subintervals", "packet-retransmits",
                "packet-retransmits-subintervals",
                "streams-throughput", "streams-throughput-subintervals", "streams-packet-retransmits",
                "streams-packet-retransmits-subintervals",
            ])
        #expect(esmond.metadata["ip-transport-protocol"] == .string("tcp"))
        #expect(esmond.metadata["bw-parallel-streams"] == .integer(2))
        #expect(esmond.metadata["bw-target-bandwidth"] == nil)
        #expect(esmond.metadata["time-duration"] == .number(7), "the test's 2 s and pScheduler's 5 s allowance")
        #expect(esmond.metadata["tool-name"] == .string("pscheduler/iperf3"))
        let v = values(esmond)
        #expect(v["throughput"] == .integer(10_800_000_000), "esmond's throughput is an integer type")
        #expect(v["packet-retransmits"] == .integer(4))
        #expect(
            v["throughput-subintervals"]
                == .array([
                    .object(["start": .number(0), "duration": .number(1), "val": .number(10.4e9)]),
                    .object(["start": .number(1), "duration": .number(1), "val": .number(11.2e9)]),
                ]))
        #expect(
            v["packet-retransmits-subintervals"]
                == .array([
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
        #expect(
            perStream[1]
                == .array([
                    .object(["start": .number(0), "duration": .number(1), "val": .number(1.0e9)]),
                    .object(["start": .number(1), "duration": .number(1), "val": .number(2.0e9)]),
                ]))
        // The whole metadata says which summaries to keep, as pScheduler's defaults do.
        guard case .array(let types)? = esmond.metadata["event-types"] else { return }
        #expect(
            types[1]["summaries"]
                == .array([
                    .object([
                        "event-type": .string("throughput"), "summary-type": .string("average"),
                        "summary-window": .integer(86400),
                    ])
                ]))
    }

    @Test func udpThroughputMapsLossCountsAndRate() throws {
        let result = """
            {"succeeded":true,"diags":"","intervals":[],
             "summary":{"streams":[],"summary":{"start":0,"end":5,"throughput-bits":99973876.98,"throughput-bytes":62000000,"sent":25892,"lost":13,"jitter":0}}}
            """
        let esmond = EsmondRecordMapping.map(
            try throughput(ThroughputParameters(dest: "ps2.example.net", udp: true), result: result))
        #expect(
            eventTypes(esmond) == [
                "failures", "throughput", "throughput-subintervals", "packet-loss-rate", "packet-count-lost",
                "packet-count-sent",
            ])
        #expect(esmond.metadata["ip-transport-protocol"] == .string("udp"))
        let v = values(esmond)
        #expect(v["packet-count-sent"] == .integer(25892))
        #expect(v["packet-count-lost"] == .integer(13))
        #expect(v["throughput"] == .integer(99_973_876), "whole bits per second, truncated as esmond's int() does")
        #expect(v["packet-loss-rate"] == .object(["numerator": .integer(13), "denominator": .integer(25892)]))
        #expect(v["packet-retransmits"] == nil)

        let nothingSent = result.replacing("\"sent\":25892", with: "\"sent\":0")
        let none = values(
            EsmondRecordMapping.map(
                try throughput(ThroughputParameters(dest: "ps2.example.net", udp: true), result: nothingSent)))
        #expect(none["packet-loss-rate"] == nil, "no loss rate without packets sent")
    }

    /// pscheduler-rtt-and-as.md §2.5: pScheduler's metadata and data point for 4 of 5 replies.
    @Test func rttMapsLikePSchedulersEsmondRTTRecord() throws {
        let parameters = RTTParameters(dest: "10.0.0.2", count: 5, interval: .milliseconds(500), length: 56)
        let r = record(
            .rtt(
                parameters,
                try RTTResult.decode(
                    json: """
                        {"schema":1,"succeeded":true,"sent":5,"received":4,"lost":1,"loss":0.2,"duplicates":0,"reorders":0,
                         "roundtrips":[{"seq":1,"length":64,"ip":"10.0.0.2","ttl":64,"rtt":"PT0.000333S"},
                          {"seq":2,"length":64,"ip":"10.0.0.2","ttl":64,"rtt":"PT0.000421S"},
                          {"seq":3,"length":64,"ip":"10.0.0.2","ttl":64,"rtt":"PT0.000419S"},
                          {"seq":5,"length":64,"ip":"10.0.0.2","ttl":64,"rtt":"PT0.000358S"},
                          {"seq":4,"ip":"10.0.0.1","error":"host-unreachable"}]}
                        """)))
        let esmond = EsmondRecordMapping.map(r)
        #expect(esmond.metadata["tool-name"] == .string("pscheduler/ping"))
        #expect(esmond.metadata["pscheduler-test-type"] == .string("rtt"))
        // The reserved time: 4 intervals of 0.5 s, the 1 s wait, 2 s allowance (no hostname lookups here).
        #expect(esmond.metadata["time-duration"] == .number(5))
        #expect(esmond.metadata["sample-size"] == .integer(5) && esmond.metadata["ip-packet-size"] == .integer(56))
        #expect(
            esmond.metadata["time-probe-interval"] == .number(0.5) && esmond.metadata["time-test-timeout"] == .number(1)
        )
        #expect(esmond.metadata["ip-ttl"] == nil)
        #expect(
            eventTypes(esmond) == [
                "failures", "packet-count-sent", "histogram-rtt", "histogram-ttl-reverse", "packet-duplicates-bidir",
                "packet-loss-rate-bidir", "packet-count-lost-bidir", "packet-reorders-bidir",
            ])
        #expect(
            JSONText.string(esmond.metadata["event-types"]!).contains(
                #"{"event-type":"histogram-rtt","summaries":[{"event-type":"histogram-rtt","summary-type":"statistics","summary-window":0},"#
            ))
        #expect(
            values(esmond) == [
                "packet-count-sent": .integer(5), "packet-count-lost-bidir": .integer(1),
                "packet-duplicates-bidir": .integer(0), "packet-reorders-bidir": .integer(0),
                "histogram-rtt": .object(["0.33": .integer(1), "0.42": .integer(2), "0.36": .integer(1)]),
                "histogram-ttl-reverse": .object(["64": .integer(4)]),
                "packet-loss-rate-bidir": .object(["numerator": .integer(1), "denominator": .integer(5)]),
            ])
        let failed = EsmondRecordMapping.map(record(.rtt(parameters, .failure("ICMP not permitted"))))
        #expect(values(failed) == ["failures": .object(["error": .string("ICMP not permitted")])])
        #expect(
            EsmondRecordMapping.histogramKey(milliseconds: 53.8) == "53.80"
                && EsmondRecordMapping.histogramKey(milliseconds: 0.005) == "0.01")
        #expect(try MeasurementRecord(spoolPayload: r.spoolPayload) == r)
    }

    @Test func aFailedRunIsOneFailuresPointAndAnUnresolvedDestinationIsNotNull() throws {
        var r = try throughput(
            ThroughputParameters(dest: "ps2.example.net"),
            result: #"{"succeeded":false,"error":"cannot resolve \"nowhere.invalid\""}"#)
        r.sourceAddress = nil
        r.destAddress = nil
        let esmond = EsmondRecordMapping.map(r)
        #expect(values(esmond) == ["failures": .object(["error": .string(#"cannot resolve "nowhere.invalid""#)])])
        #expect(esmond.metadata["source"] == .string("0.0.0.0"))
        #expect(esmond.metadata["destination"] == .string("0.0.0.0"))
        #expect(
            esmond.data["data"].flatMap { if case .array(let a) = $0 { a.first?["ts"] } else { nil } }
                == .integer(Int64(1_795_410_000)))
    }

    @Test func recordsSurviveTheSpoolEncoding() throws {
        let tcp = try throughput(
            ThroughputParameters(
                dest: "ps2.example.net", port: 5202, reverse: true, parallel: 2, duration: 3, blockSize: 8192,
                bandwidth: 9_000_000),
            result: Self.tcpResult)
        #expect(try MeasurementRecord(spoolPayload: tcp.spoolPayload) == tcp)
        var icmp = try trace(
            TraceParameters(
                dest: "ps2.example.net", firstTTL: 2, hops: 8, queries: 1, wait: .milliseconds(1500), firstPort: 40000,
                ipVersion: 6, probeType: .icmp, hostnames: true),
            result:
                #"{"schema":1,"succeeded":true,"paths":[[{"ip":"::1","hostname":"lo.","rtt":"PT0.00002S","mtu":65536},{}]]}"#
        )
        icmp.sourceAddress = nil
        #expect(try MeasurementRecord(spoolPayload: icmp.spoolPayload) == icmp)
        let failed = record(
            .throughput(ThroughputParameters(dest: "nowhere.invalid", udp: true), .failure("cannot resolve")))
        #expect(try MeasurementRecord(spoolPayload: failed.spoolPayload) == failed)
        #expect(throws: JSONFields.Mismatch.self) {
            try MeasurementRecord(spoolPayload: Array(#"{"run-id":"x"}"#.utf8))
        }
        #expect(throws: JSONFields.Mismatch.self) { try MeasurementRecord(spoolPayload: Array("not json".utf8)) }
    }

    /// Records spooled by the agent before records were typed still deliver, to the same metadata.
    @Test func recordsSpooledByTheEarlierAgentStillRead() throws {
        let earlier =
            #"{"dest":"ps2.example.net","dest-address":"10.0.0.2","duration":30.0,"result":{"paths":[[{"ip":"10.0.0.2","rtt":"PT0.0002S"}]],"schema":1,"succeeded":true},"run-id":"0123456789abcdef0123456789abcdef","source-address":"10.0.0.1","spec":{"dest":"ps2.example.net","first-ttl":1,"hops":30,"probe-type":"udp","queries":3,"wait":"PT5S"},"start":1795410000,"test-name":"t","test-type":"trace","tool":"tracepath"}"#
        let read = try MeasurementRecord(spoolPayload: Array(earlier.utf8))
        #expect(
            read
                == (try trace(
                    TraceParameters(dest: "ps2.example.net"),
                    result: #"{"schema":1,"succeeded":true,"paths":[[{"ip":"10.0.0.2","rtt":"PT0.0002S"}]]}"#)))
        let failure =
            #"{"dest":"ps2","duration":15.0,"result":{"error":"unreadable result","succeeded":false},"run-id":"0123456789abcdef0123456789abcdef","spec":{"dest":"ps2","duration":"PT10S","parallel":1,"reverse":false,"single-ended-port":5201,"udp":false},"start":1795410000,"test-name":"t","test-type":"throughput","tool":"iperf3"}"#
        let failed = try MeasurementRecord(spoolPayload: Array(failure.utf8))
        #expect(failed.outcome == .throughput(ThroughputParameters(dest: "ps2"), .failure("unreadable result")))
        #expect(EsmondRecordMapping.map(failed).metadata["time-duration"] == .number(15))
        let unknown = failure.replacing(#""test-type":"throughput""#, with: #""test-type":"latency""#)
        #expect(throws: JSONFields.Mismatch.self) { try MeasurementRecord(spoolPayload: Array(unknown.utf8)) }
        do { _ = try MeasurementRecord(spoolPayload: Array(unknown.utf8)) } catch {
            #expect(error.description.contains("\"latency\""), "\(error)")
        }
    }
}
