import Foundation
import Testing

@testable import FathomReceiver

/// The esmond API over real HTTP on loopback, replaying the request sequences the spec recorded
/// from pScheduler's esmond archiver and esmond-client's library classes, on both archive stores.
@Suite(.timeLimit(.minutes(2))) struct ArchiveAPITests {
    static let archive = "/esmond/perfsonar/archive/"

    /// pScheduler's throughput metadata POST, verbatim from the spec (§4.1, Observed).
    static let throughputMetadata = #"""
        {"event-types":[{"event-type":"failures"},
          {"event-type":"throughput","summaries":[{"summary-window":86400,"event-type":"throughput","summary-type":"average"}]},
          {"event-type":"throughput-subintervals"},{"event-type":"packet-retransmits"},
          {"event-type":"packet-retransmits-subintervals"},{"event-type":"pscheduler-run-href"}],
         "pscheduler-test-type":"throughput","subject-type":"point-to-point",
         "input-destination":"10.0.0.2","source":"10.0.0.1","destination":"10.0.0.2","input-source":"10.0.0.1",
         "measurement-agent":"10.0.0.1","tool-name":"pscheduler/iperf3","time-duration":25.0,
         "bw-ignore-first-seconds":"PT0S","ip-transport-protocol":"tcp",
         "pscheduler-reference-created-by-user-agent":"psconfig-pscheduler-agent"}
        """#

    /// pScheduler's throughput data PUT (§6.5, Observed), plus the unregistered packet-rtt it also sends.
    static let throughputData = #"""
        {"data":[{"ts":1795410000,"val":[
         {"event-type":"throughput","val":9300000000.0},
         {"event-type":"packet-retransmits","val":3},
         {"event-type":"packet-rtt","val":120},
         {"event-type":"throughput-subintervals","val":[{"start":0.0,"duration":1.0,"val":9400000000.0},{"start":1.0,"duration":1.0,"val":9200000000.0}]},
         {"event-type":"packet-retransmits-subintervals","val":[{"start":0.0,"duration":1.0,"val":0},{"start":1.0,"duration":1.0,"val":3}]},
         {"event-type":"pscheduler-run-href","val":{"href":"https://ps1.example.net/pscheduler/tasks/t/runs/run-1"}}]}]}
        """#

    func object(_ reply: RawHTTPClient.Reply) -> [String: Any] { reply.json as? [String: Any] ?? [:] }
    func list(_ reply: RawHTTPClient.Reply) -> [[String: Any]] { reply.json as? [[String: Any]] ?? [] }

    @Test(arguments: ArchiveStoreKind.allCases) func pSchedulerThroughputArchivingEndToEnd(kind: ArchiveStoreKind)
        async throws
    {
        try await ArchiveTestServer.with(kind: kind) { server in
            let created = try await server.send("POST", Self.archive, json: Self.throughputMetadata)
            #expect(created.status == 201)
            #expect(created.header("Content-Type") == "application/json")
            #expect(created.header("Access-Control-Allow-Origin") == "*")
            let metadata = object(created)
            let key = try #require(metadata["metadata-key"] as? String)
            #expect(key.count == 32)
            #expect(created.header("Location") == "http://127.0.0.1:\(server.port)/esmond/perfsonar/archive/\(key)/")
            #expect(metadata["uri"] as? String == "/esmond/perfsonar/archive/\(key)/")
            #expect(metadata["time-duration"] as? String == "25.0")
            let again = try await server.send("POST", Self.archive, json: Self.throughputMetadata)
            #expect(again.status == 201 && object(again)["metadata-key"] as? String == key)

            let put = try await server.send("PUT", Self.archive + key + "/", json: Self.throughputData)
            #expect(put.status == 201 && put.body == "\"\"")
            let base = try await server.get(Self.archive + key + "/throughput/base?time-start=0")
            #expect(base.status == 200 && base.header("Content-Type") == "application/json")
            #expect(
                base.body == #"[{"ts":1795410000,"val":9300000000}]"#, "an integer type reads back as a JSON integer")
            let average = try await server.get(Self.archive + key + "/throughput/averages/86400?time-start=0")
            #expect(average.body == #"[{"ts":1795392000,"val":9300000000.0}]"#)
            let rtt = try await server.get(Self.archive + key + "/packet-rtt/base?time-start=0")
            #expect(rtt.status == 200 && rtt.body == "[]")  // accepted and dropped: never registered
            let subintervals = try await server.get(Self.archive + key + "/throughput-subintervals/base/0?time-start=0")
            #expect(subintervals.body.contains(#""duration":1.0"#))

            let listed = try await server.get(
                Self.archive + "?source=10.0.0.1&destination=10.0.0.2&event-type=throughput")
            let first = try #require(list(listed).first)
            #expect(first["metadata-count-total"] as? Int == 1)
            #expect(first.keys.contains("metadata-next-page") && first.keys.contains("metadata-previous-page"))
            let eventTypes = try #require(first["event-types"] as? [[String: Any]])
            #expect(
                eventTypes.map { $0["event-type"] as? String ?? "" }
                    == eventTypes.map { $0["event-type"] as? String ?? "" }.sorted())
            let throughput = try #require(eventTypes.first { $0["event-type"] as? String == "throughput" })
            #expect(throughput["base-uri"] as? String == "/esmond/perfsonar/archive/\(key)/throughput/base")
            #expect(throughput["time-updated"] is Int)
            let summary = try #require((throughput["summaries"] as? [[String: Any]])?.first)
            #expect(summary["summary-window"] as? String == "86400")
            #expect(summary["uri"] as? String == "/esmond/perfsonar/archive/\(key)/throughput/averages/86400")
            let failures = try #require(eventTypes.first { $0["event-type"] as? String == "failures" })
            #expect(failures["time-updated"] is NSNull)

            // The same archive without the /esmond alias, as esmond-ps-pipe and gridftp use it.
            let short = try await server.get("/perfsonar/archive/\(key)")
            #expect(short.status == 200 && object(short)["uri"] as? String == "/perfsonar/archive/\(key)/")
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func esmondClientLibrarySequence(kind: ArchiveStoreKind) async throws {
        try await ArchiveTestServer.with(kind: kind) { server in
            let key = try #require(
                object(try await server.send("POST", Self.archive, json: Self.throughputMetadata))["metadata-key"]
                    as? String)
            let point = #"{"ts": 1795415191, "val": 1000000000}"#
            let first = try await server.send("POST", Self.archive + key + "/throughput/base", json: point)
            #expect(first.status == 201 && first.body == "\"\"")
            let repeated = try await server.send("POST", Self.archive + key + "/throughput/base", json: point)
            #expect(repeated.status == 409)
            #expect(
                object(repeated)["detail"] as? String
                    == "Time series value already exists with event type throughput at time 1795415191")
            let noKey = try await server.send("POST", Self.archive, json: Self.throughputMetadata, token: nil)
            #expect(noKey.status == 401 && noKey.header("WWW-Authenticate") == "Token")
            #expect(object(noKey)["detail"] as? String == "Authentication credentials were not provided.")
            let lowercase = try await server.send(
                "POST", Self.archive, json: Self.throughputMetadata, token: nil,
                headers: [("Authorization", "token \(ArchiveTestServer.token)")])
            #expect(lowercase.status == 201)
            let wrong = try await server.send("GET", Self.archive, token: "nope")
            #expect(wrong.status == 401 && object(wrong)["detail"] as? String == "Invalid token.")
            // Data for a metadata key that does not exist: esmond answers 201 and drops it.
            let orphan = try await server.send(
                "PUT", Self.archive + String(repeating: "0", count: 32) + "/", json: Self.throughputData)
            #expect(orphan.status == 201 && orphan.body == "\"\"")
            let summaryWrite = try await server.send(
                "POST", Self.archive + key + "/throughput/averages/86400", json: point)
            #expect(summaryWrite.status == 400)
            #expect(
                object(summaryWrite)["detail"] as? String
                    == "Only base summary-type allowed for writing. Cannot use average")
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func latencyHistogramStatisticsThroughTheAPI(kind: ArchiveStoreKind)
        async throws
    {
        try await ArchiveTestServer.with(kind: kind) { server in
            let metadata = #"""
                {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
                 "tool-name":"pscheduler/ping","event-types":[{"event-type":"histogram-rtt","summaries":[
                   {"summary-type":"statistics","summary-window":0},{"summary-type":"aggregation","summary-window":"3600"},
                   {"summary-type":"statistics","summary-window":3600}]},{"event-type":"packet-loss-rate-bidir"}]}
                """#
            let key = try #require(
                object(try await server.send("POST", Self.archive, json: metadata))["metadata-key"] as? String)
            let data = #"""
                {"data":[{"ts":1795410000,"val":[{"event-type":"histogram-rtt","val":{"0.33":2,"0.42":1}},
                  {"event-type":"packet-loss-rate-bidir","val":{"numerator":1,"denominator":3}}]},
                 {"ts":1795410060,"val":[{"event-type":"histogram-rtt","val":{"0.33":1}}]}]}
                """#
            #expect(try await server.send("PUT", Self.archive + key + "/", json: data).status == 201)
            let aggregate = try await server.get(Self.archive + key + "/histogram-rtt/aggregations/3600?time-start=0")
            #expect(aggregate.body == #"[{"ts":1795410000,"val":{"0.33":3,"0.42":1}}]"#)
            let stats = list(try await server.get(Self.archive + key + "/histogram-rtt/statistics/0?time-start=0"))
            #expect(stats.count == 2)
            #expect((stats.first?["val"] as? [String: Any])?["median"] as? Double == 0.33)
            let loss = try await server.get(Self.archive + key + "/packet-loss-rate-bidir/base?time-start=0")
            #expect(loss.body == #"[{"ts":1795410000,"val":0.3333333333333333}]"#)
            let summaries = try await server.get(Self.archive + key + "/histogram-rtt/statistics")
            #expect(list(summaries).count == 2)
            #expect(try await server.get(Self.archive + key + "/histogram-rtt/averages").status == 404)
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func badInputGetsJSON4xxAndStoresNothing(kind: ArchiveStoreKind)
        async throws
    {
        try await ArchiveTestServer.with(kind: kind) { server in
            func expectDetail(
                _ reply: RawHTTPClient.Reply, _ status: Int, _ detail: String,
                sourceLocation: SourceLocation = #_sourceLocation
            ) {
                #expect(reply.status == status, sourceLocation: sourceLocation)
                #expect(reply.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
                #expect(object(reply)["detail"] as? String == detail, "\(reply.body)", sourceLocation: sourceLocation)
            }
            expectDetail(
                try await server.send("POST", Self.archive, json: "{nope"), 400,
                "JSON parse error - "
                    + (object(try await server.send("POST", Self.archive, json: "{nope"))["detail"] as? String ?? "")
                    .dropFirst("JSON parse error - ".count))
            expectDetail(
                try await server.send("POST", Self.archive, json: "{}", headers: [("Content-Type", "text/plain")]), 415,
                "Unsupported media type \"text/plain\" in request.")
            expectDetail(
                try await server.send("POST", Self.archive, json: #"{"event-types":[]}"#), 400,
                "Missing subject-type field in request")
            expectDetail(
                try await server.send(
                    "POST", Self.archive,
                    json: #"{"subject-type":"point-to-point","event-types":[{"event-type":"histogram-delay"}]}"#), 400,
                "Invalid event-type histogram-delay")
            expectDetail(
                try await server.send(
                    "POST", Self.archive, json: #"{"subject-type":"point-to-point","event-types":[],"source":null}"#),
                400, "Field source must be a string")
            expectDetail(
                try await server.send(
                    "POST", Self.archive,
                    json:
                        #"{"subject-type":"point-to-point","event-types":[],"source":"a","destination":"b","measurement-agent":"c"}"#
                ), 400, "Field source must be an IP address, got a")
            let key = try #require(
                object(try await server.send("POST", Self.archive, json: Self.throughputMetadata))["metadata-key"]
                    as? String)
            let bulk =
                #"{"data":[{"ts":1,"val":[{"event-type":"throughput","val":1}]},{"ts":2,"val":[{"event-type":"no-such-type","val":1}]}]}"#
            expectDetail(
                try await server.send("PUT", Self.archive + key + "/", json: bulk), 400,
                "Invalid event type no-such-type")
            #expect(try await server.get(Self.archive + key + "/throughput/base?time-start=0").body == "[]")
            expectDetail(
                try await server.send("POST", Self.archive + key + "/throughput/base", json: #"{"ts":5,"val":"fast"}"#),
                400, "Value must be an integer")
            expectDetail(
                try await server.send("POST", Self.archive + key + "/throughput/base", json: #"{"ts":-5,"val":1}"#),
                400, "Time must be a unix timestamp")
            expectDetail(
                try await server.send("POST", Self.archive + key + "/throughput/base", json: #"{"ts":1e300,"val":1}"#),
                400, "Time must be a unix timestamp")
            expectDetail(
                try await server.send("POST", Self.archive + key + "/throughput/base", json: ""), 400,
                "No data payload POSTed.")
            expectDetail(
                try await server.send("PUT", Self.archive + key + "/", json: #"{"data":{}}"#), 400,
                "The 'data' element must be an array")
            expectDetail(
                try await server.get(Self.archive + "?time-start=1397476800.5"), 400,
                "Time parameter must be an integer")
            expectDetail(
                try await server.get(Self.archive + "?time-start=10&time-end=5"), 400,
                "Requested start time must be less than end time")
            expectDetail(
                try await server.get(Self.archive + "?dns-match-rule=v7"), 400, "Invalid dns-match-rule parameter v7")
            expectDetail(
                try await server.get(Self.archive + key + "/throughput/averages/day"), 400,
                "Summary window parameter must be an integer")
            expectDetail(
                try await server.get(Self.archive + String(repeating: "f", count: 32) + "/"), 404, "Not found.")
            expectDetail(
                try await server.send("DELETE", Self.archive + key + "/"), 405, "Method \"DELETE\" not allowed.")
            let sqlish = try await server.get(Self.archive + "?tool-name=x%27%20OR%20%271%27%3D%271")
            #expect(sqlish.status == 200 && sqlish.body == "[]")
            let zero = try await server.get(Self.archive + "?limit=0")
            #expect(list(zero).count == 1)  // limit=0 falls back to the default page, as in esmond
        }
    }
}
