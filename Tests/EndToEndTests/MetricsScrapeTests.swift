import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// `/metrics` of a real receiver over TLS, checked by `promtool` and scraped by a real Prometheus;
/// the agent's node_exporter textfile, written by the real agent.
@Suite(.serialized, .timeLimit(.minutes(4))) struct MetricsScrapeTests {
    func metricsText(_ f: ReceiverFixture, user: String? = nil, password: String? = nil) async throws
        -> UploadClient.Reply
    {
        try await f.client.send(
            f.receiver.baseURL + "/metrics", method: .GET, contentType: nil, user: user, password: password)
    }

    /// The value of one sample line (`name{labels} value`) of an exposition, nil when absent.
    func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap {
            Double($0.split(separator: " ").last!)
        }
    }

    @Test func metricsCountUploadsBytesRefusalsAndCommitsAndPassPromtool() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        var bytes = 0
        for i in 0..<3 {
            let body = sampleLine(host: "c\(i)") + "\n"
            bytes += body.utf8.count
            #expect(
                try await f.client.send(f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: body).status
                    == 200)
        }
        #expect(
            try await f.client.send(f.url("/sonar-freecsv"), user: "fox", password: "wrong", body: sampleLine()).status
                == 401)
        #expect(
            try await f.client.send(f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: "garbage")
                .status == 400)
        // Authenticated, but not for saga: the cluster a client names is not trusted as a label.
        #expect(
            try await f.client.send(
                f.url("/sonar-freecsv", cluster: "saga"), user: "fox", password: "fox-secret",
                body: sampleLine()
            ).status == 403)
        let reply = try await metricsText(f)
        #expect(reply.status == 200)
        let text = reply.body
        #expect(value(text, #"fathom_receiver_uploads_total{cluster="fox",code="200"}"#) == 3)
        #expect(value(text, #"fathom_receiver_uploads_total{cluster="-",code="401"}"#) == 1)
        #expect(value(text, #"fathom_receiver_uploads_total{cluster="fox",code="400"}"#) == 1)
        #expect(value(text, #"fathom_receiver_uploads_total{cluster="-",code="403"}"#) == 1)
        #expect(!text.contains(#"cluster="saga""#))
        #expect(value(text, #"fathom_receiver_upload_bytes_total{cluster="fox"}"#) == Double(bytes))
        #expect(value(text, #"fathom_receiver_auth_failures_total{endpoint="upload"}"#) == 1)
        #expect(value(text, "fathom_receiver_commit_group_size_uploads_sum") == 3)
        #expect((value(text, "fathom_receiver_fdatasync_duration_seconds_count") ?? 0) >= 1)
        #expect(value(text, #"fathom_receiver_hosts{cluster="fox",state="online"}"#) == 3)
        #expect(value(text, #"fathom_receiver_hosts{cluster="fox",state="silent"}"#) == 0)
        let problems = try await promtoolProblems(text)
        #expect(problems == nil, "\(problems ?? "")\n\(text)")
    }

    @Test func archiveWritesAreCountedByStatus() async throws {
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        let metadata =
            #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","tool-name":"pscheduler/iperf3","measurement-agent":"10.0.0.1","input-source":"a","input-destination":"b","event-types":[{"event-type":"throughput","summaries":[]}]}"#
        let ok = try await f.client.send(
            f.receiver.baseURL + "/esmond/perfsonar/archive/", contentType: "application/json", body: metadata,
            headers: [("Authorization", "Token \(ReceiverFixture.archiveToken)")])
        #expect(ok.status == 201, "\(ok.body)")
        let refused = try await f.client.send(
            f.receiver.baseURL + "/esmond/perfsonar/archive/", contentType: "application/json", body: metadata,
            headers: [("Authorization", "Token wrong")])
        #expect(refused.status == 401)
        let text = try await metricsText(f).body
        #expect(value(text, #"fathom_receiver_archive_writes_total{code="201"}"#) == 1)
        #expect(value(text, #"fathom_receiver_archive_writes_total{code="401"}"#) == 1)
        #expect(value(text, #"fathom_receiver_auth_failures_total{endpoint="archive"}"#) == 1)
    }

    @Test func metricsAuthNeedsAUserAllowedEveryCluster() async throws {
        let f = try await ReceiverFixture(
            flags: ["--metrics-auth"], credentials: ReceiverFixture.credentials + "admin:admin-secret clusters=*\n")
        defer { f.close() }
        #expect(try await metricsText(f).status == 401)
        #expect(try await metricsText(f, user: "admin", password: "wrong").status == 401)
        #expect(try await metricsText(f, user: "ops", password: "ops-secret").status == 403)
        let admin = try await metricsText(f, user: "admin", password: "admin-secret")
        #expect(admin.status == 200)
        #expect(value(admin.body, #"fathom_receiver_auth_failures_total{endpoint="metrics"}"#) == 2)
    }

    struct QueryReply: Decodable {
        struct Data: Decodable {
            struct Series: Decodable { var value: [Value] }
            var result: [Series]
        }
        enum Value: Decodable {
            case time(Double)
            case text(String)
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let d = try? c.decode(Double.self) {
                    self = .time(d)
                } else {
                    self = .text(try c.decode(String.self))
                }
            }
        }
        var status: String
        var data: Data
    }

    @Test func realPrometheusScrapesTheReceiverOverTLSAndAnswersPromQL() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        for i in 0..<3 {
            #expect(
                try await f.client.send(
                    f.url("/sonar-freecsv"), user: "fox", password: "fox-secret",
                    body: sampleLine(host: "c\(i)") + "\n"
                ).status == 200)
        }
        let prometheus = try PrometheusServer(
            directory: f.dir.file("prometheus"), target: "127.0.0.1:\(f.receiver.port)", caFile: f.pki.caCertificate)
        defer { prometheus.stop() }
        let query = #"fathom_receiver_uploads_total{cluster="fox",code="200"}"#
        let url =
            prometheus.baseURL + "/api/v1/query?query="
            + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        var answer: String?
        var last = ""
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if let reply = try? await f.client.send(url, method: .GET, contentType: nil), reply.status == 200 {
                last = reply.body
                let decoded = try JSONDecoder().decode(QueryReply.self, from: Data(reply.body.utf8))
                if decoded.status == "success", let series = decoded.data.result.first,
                    case .text(let v) = series.value[1]
                {
                    answer = v
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(answer == "3", "Prometheus answered: \(last)")
    }

    @Test func agentWritesATextfileThatPassesPromtool() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let textfile = f.dir.file("node-exporter/fathom.prom")
        try FileManager.default.createDirectory(atPath: f.dir.file("node-exporter"), withIntermediateDirectories: true)
        try f.dir.write(
            "agent.toml",
            """
            [receiver]
            url = "\(f.receiver.baseURL)"
            cluster = "fox"
            password_file = "\(agent.passwordFile)"
            ca_file = "\(f.pki.caCertificate)"

            [spool]
            dir = "\(agent.spool)"

            [metrics]
            textfile = "\(textfile)"

            """)
        let result = try await Shell.run([
            Shell.binDirectory + "/fathom-agent", "once", "--config", f.dir.file("agent.toml"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: textfile, encoding: .utf8)
        #expect(value(text, #"fathom_agent_delivered_batches_total{cluster="fox"}"#) == 2)
        #expect(value(text, #"fathom_agent_spool_batches{cluster="fox"}"#) == 0)
        #expect(value(text, #"fathom_agent_samples_total{cluster="fox"}"#) == 1)
        #expect((value(text, #"fathom_agent_last_delivery_timestamp_seconds{cluster="fox"}"#) ?? 0) > 1_700_000_000)
        let problems = try await promtoolProblems(text)
        #expect(problems == nil, "\(problems ?? "")\n\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.file("node-exporter")) == ["fathom.prom"])
    }
}
