import Foundation
import Testing

/// Archive series through the Grafana data source of a real receiver: measurements posted with
/// the esmond API come back as throughput, loss, RTT series and a table of trace path changes.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GrafanaArchiveSeriesTests {
    static let t: Int64 = 1_795_410_000

    static func hop(_ ttl: Int, _ ip: String) -> String {
        #"{"ttl":\#(ttl),"query":1,"success":1,"ip":"\#(ip)","rtt":1.0}"#
    }

    @Test func throughputLossRTTAndTracePathChangesComeFromTheArchive() async throws {
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        let token = [("Authorization", "Token \(ReceiverFixture.archiveToken)")]
        let metadata = """
            {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
             "input-source":"ps1.example.net","input-destination":"ps2.example.net","tool-name":"pscheduler/iperf3",
             "event-types":[{"event-type":"throughput"},{"event-type":"packet-loss-rate"},{"event-type":"histogram-rtt"},
                            {"event-type":"packet-trace"}]}
            """
        let created = try await f.client.send(
            f.receiver.baseURL + "/esmond/perfsonar/archive/", contentType: "application/json", body: metadata,
            headers: token)
        #expect(created.status == 201, "\(created.body)")
        let json = try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any]
        let key = try #require(json?["metadata-key"] as? String)
        // Four runs an hour apart; the path changes at the third (hop 2) and back at the fourth.
        let paths = [
            ["10.0.0.254", "192.0.2.1", "10.0.0.2"], ["10.0.0.254", "192.0.2.1", "10.0.0.2"],
            ["10.0.0.254", "198.51.100.7", "10.0.0.2"], ["10.0.0.254", "192.0.2.1", "10.0.0.2"],
        ]
        let runs = paths.enumerated().map { i, path in
            """
            {"ts":\(Self.t + Int64(i) * 3600),"val":[{"event-type":"throughput","val":\(1_000_000_000 * (i + 1))},
             {"event-type":"packet-loss-rate","val":{"numerator":\(i),"denominator":100}},
             {"event-type":"histogram-rtt","val":{"1.5":2,"2.5":\(2 + i)}},
             {"event-type":"packet-trace","val":[\(path.enumerated().map { Self.hop($0 + 1, $1) }.joined(separator: ","))]}]}
            """
        }
        let put = try await f.client.send(
            f.receiver.baseURL + "/esmond/perfsonar/archive/\(key)/", method: .PUT, contentType: "application/json",
            body: #"{"data":[\#(runs.joined(separator: ","))]}"#, headers: token)
        #expect(put.status == 201, "\(put.body)")

        let grafana = GrafanaClient(client: f.client, baseURL: f.receiver.baseURL)
        let payload = #"{"source":"10.0.0.1","destination":"10.0.0.2"}"#
        let (from, to) = (Self.t, Self.t + 4 * 3600)
        let throughput = try await grafana.series(
            GrafanaClient.query("archive.throughput", payload: payload, from: from, to: to))
        #expect(throughput["10.0.0.1 → 10.0.0.2 throughput"]?.map(\.0) == [1e9, 2e9, 3e9, 4e9])
        #expect(
            throughput["10.0.0.1 → 10.0.0.2 throughput"]?.map(\.1) == (0..<4).map { (Self.t + Int64($0) * 3600) * 1000 }
        )
        let loss = try await grafana.series(
            GrafanaClient.query("archive.packet-loss", payload: payload, from: from, to: to))
        #expect(loss["10.0.0.1 → 10.0.0.2 packet-loss-rate"]?.map(\.0) == [0, 0.01, 0.02, 0.03])
        let rtt = try await grafana.series(GrafanaClient.query("archive.rtt", payload: payload, from: from, to: to))
        let wantRTT: [Double] = (0..<4).map { (i: Int) -> Double in
            let weighted: Double = 1.5 * 2 + 2.5 * Double(2 + i)
            return weighted / Double(4 + i)
        }
        #expect(zip(rtt["10.0.0.1 → 10.0.0.2 histogram-rtt"] ?? [], wantRTT).allSatisfy { abs($0.0 - $1) < 1e-9 })
        #expect(rtt["10.0.0.1 → 10.0.0.2 histogram-rtt"]?.count == 4)
        // Downsampled to two points: each the mean of two runs.
        let coarse = try await grafana.series(
            GrafanaClient.query(
                "archive.throughput", payload: payload, from: from, to: to, maxDataPoints: 2))
        #expect(coarse["10.0.0.1 → 10.0.0.2 throughput"]?.map(\.0) == [1.5e9, 3.5e9])

        let changes = try await grafana.post(
            "query", GrafanaClient.query("archive.trace-changes", payload: payload, from: from, to: to))
        let table = try #require(changes.objects.first)
        #expect(table["type"] as? String == "table")
        let rows = table["rows"] as? [[Any]] ?? []
        #expect(
            rows.map { ($0[0] as? NSNumber)?.int64Value } == [Self.t, Self.t + 7200, Self.t + 10800].map { $0 * 1000 })
        #expect(rows.map { ($0[4] as? NSNumber)?.intValue } == [3, 1, 1])
        #expect(
            rows.map { $0[3] as? String }
                == paths[0...3].enumerated().filter { $0.offset != 1 }.map { $0.element.joined(separator: " ") })

        let sources = try await grafana.post(
            "metric-payload-options", #"{"metric":"archive.throughput","payload":{},"name":"source"}"#)
        #expect(sources.objects.map { $0["value"] as? String } == ["10.0.0.1"])
    }
}
