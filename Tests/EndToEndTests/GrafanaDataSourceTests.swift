import Foundation
import Testing

/// The Grafana JSON data source of a real receiver over TLS: every simpod endpoint (and the
/// SimpleJson aliases) with the request bodies of the spec, series equal to sums computed here
/// from the uploaded lines, server-side downsampling, cluster scoping and refusals.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GrafanaDataSourceTests {
    static let from = GrafanaSamples.t0
    static let to = GrafanaSamples.t0 + Int64(GrafanaSamples.samples) * GrafanaSamples.step

    /// A receiver holding the test samples of cluster `fox` (uploaded by three concurrent "nodes").
    static func loaded() async throws -> (ReceiverFixture, GrafanaClient, GrafanaSamples.Expected) {
        let f = try await ReceiverFixture()
        let uploads = GrafanaSamples.uploads()
        do {
            try await GrafanaSamples.upload(uploads, to: f)
        } catch {
            f.close()  // the caller's `defer` closes it only once it has it
            throw error
        }
        let expected = GrafanaSamples.expected(uploads.map(\.body).joined())
        return (f, GrafanaClient(client: f.client, baseURL: f.receiver.baseURL), expected)
    }

    static func close(_ value: Double, _ expected: Double) -> Bool {
        abs(value - expected) <= 1e-6 * max(1, abs(expected))
    }

    @Test func everySimpodAndSimpleJsonEndpointAnswersTheSpecRequestBodies() async throws {
        let (f, grafana, _) = try await Self.loaded()
        defer { f.close() }
        let health = try await f.client.send(
            f.receiver.baseURL + "/grafana/", method: .GET, contentType: nil,
            user: "fox", password: "fox-secret")
        #expect(health.status == 200)

        let metrics = try await grafana.post("metrics", "{}")
        #expect(metrics.status == 200)
        let names = metrics.objects.compactMap { $0["value"] as? String }
        for name in [
            "host.cpu", "host.rssanonkib", "host.gpu", "cluster.cpu", "job.cpu", "user.cpu", "jobs.top",
            "archive.throughput", "archive.packet-loss", "archive.rtt", "archive.trace-changes",
        ] {
            #expect(names.contains(name), "metrics lists \(name)")
        }
        let hostCPU = metrics.objects.first { $0["value"] as? String == "host.cpu" }
        let payloads = hostCPU?["payloads"] as? [[String: Any]] ?? []
        #expect(payloads.map { $0["name"] as? String } == ["cluster", "host"])
        #expect(payloads.map { $0["type"] as? String } == ["select", "multi-select"])
        // simpod's request with a chosen metric and payload (reloadMetric) gets the same list.
        let again = try await grafana.post("metrics", #"{"metric":"host.cpu","payload":{"cluster":"fox"}}"#)
        #expect(again.status == 200 && again.objects.count == metrics.objects.count)

        let options = try await grafana.post(
            "metric-payload-options", #"{"metric":"host.cpu","payload":{"cluster":"fox"},"name":"host"}"#)
        #expect(options.status == 200)
        #expect(options.objects.map { $0["value"] as? String } == ["c1", "c2", "c3"])
        #expect(options.objects.map { $0["label"] as? String } == ["c1", "c2", "c3"])
        let clusters = try await grafana.post(
            "metric-payload-options", #"{"metric":"host.cpu","payload":{},"name":"cluster"}"#)
        #expect(clusters.objects.map { $0["value"] as? String } == ["fox"])

        let variable = try await grafana.post(
            "variable",
            """
            {"payload":{"target":"hosts","cluster":"fox"},"range":{"from":"\(GrafanaSamples.iso(Self.from))",
             "to":"\(GrafanaSamples.iso(Self.to))","raw":{"from":"now-7d","to":"now"}}}
            """)
        #expect(variable.status == 200)
        #expect(variable.objects.map { $0["__value"] as? String } == ["c1", "c2", "c3"])
        #expect(variable.objects.map { $0["__text"] as? String } == ["c1", "c2", "c3"])
        let jobs = try await grafana.post(
            "variable",
            """
            {"payload":{"target":"jobs","cluster":"fox"},"range":{"from":"\(GrafanaSamples.iso(Self.from))",
             "to":"\(GrafanaSamples.iso(Self.to))","raw":{"from":"now-7d","to":"now"}}}
            """)
        #expect(jobs.objects.map { $0["__value"] as? String } == ["500", "501", "502"])

        let keys = try await grafana.post("tag-keys", "{}")
        #expect(keys.objects.map { $0["text"] as? String } == ["cluster", "host", "user", "job"])
        #expect(keys.objects.allSatisfy { $0["type"] as? String == "string" })
        let values = try await grafana.post("tag-values", #"{"key":"host"}"#)
        #expect(values.objects.map { $0["text"] as? String } == ["c1", "c2", "c3"])

        // SimpleJson: /search with the README body, /annotations with its body, adhocFilters.
        let search = try await grafana.post("search", #"{"target":"host.c"}"#)
        #expect(search.list.compactMap { $0 as? String } == ["host.cpu", "host.cpukib"])
        let annotations = try await grafana.post(
            "annotations",
            """
            {"range":{"from":"2016-04-15T13:44:39.070Z","to":"2016-04-15T14:44:39.070Z"},"rangeRaw":{"from":"now-1h","to":"now"},
             "annotation":{"name":"deploy","datasource":"Simple JSON Datasource","iconColor":"rgba(255, 96, 96, 1)",
                           "enable":true,"query":"#deploy"}}
            """)
        #expect(annotations.status == 200 && annotations.body == "[]")
        let simpleJson = try await grafana.series(
            """
            {"panelId":1,"range":{"from":"\(GrafanaSamples.iso(Self.from))","to":"\(GrafanaSamples.iso(Self.to))",
             "raw":{"from":"now-6h","to":"now"}},"rangeRaw":{"from":"now-6h","to":"now"},"interval":"30s","intervalMs":30000,
             "targets":[{"target":"host.cpu","refId":"A","type":"timeserie"}],
             "adhocFilters":[{"key":"host","operator":"=","value":"c2"}],"format":"json","maxDataPoints":550}
            """)
        #expect(Array(simpleJson.keys) == ["fox/c2 cpu"], "fox's own cluster by default, narrowed by adhocFilters")
        #expect(simpleJson["fox/c2 cpu"]?.count == GrafanaSamples.samples)
        let preflight = try await f.client.send(
            f.receiver.baseURL + "/grafana/query", method: .OPTIONS, contentType: nil)
        #expect(preflight.status == 200)
    }

    @Test func hostClusterJobAndUserSeriesEqualTheSumsOfTheUploadedLines() async throws {
        let (f, grafana, expected) = try await Self.loaded()
        defer { f.close() }
        for quantity in ["cpu", "cpukib", "rssanonkib", "gpu", "gpumem", "gpukib", "processes", "jobs", "users"] {
            let series = try await grafana.series(
                GrafanaClient.query(
                    "host.\(quantity)", payload: #"{"cluster":"fox","host":["c1","c2","c3"]}"#, from: Self.from,
                    to: Self.to))
            #expect(series.count == 3)
            for host in GrafanaSamples.hosts {
                let want = expected.host[host]!.sorted { $0.key < $1.key }.map {
                    ($0.value.value(quantity), $0.key * 1000)
                }
                let got = series["fox/\(host) \(quantity)"] ?? []
                #expect(got.map(\.1) == want.map(\.1), "\(host) \(quantity) times")
                #expect(zip(got, want).allSatisfy { Self.close($0.0, $1.0) }, "\(host) \(quantity): \(got) vs \(want)")
            }
        }
        for quantity in ["cpu", "rssanonkib", "gpu", "processes"] {
            let total = try await grafana.series(
                GrafanaClient.query(
                    "cluster.\(quantity)", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to))
            let want = expected.cluster.sorted { $0.key < $1.key }.map { ($0.value.value(quantity), $0.key * 1000) }
            let got = total["fox total \(quantity)"] ?? []
            #expect(
                got.map(\.1) == want.map(\.1) && zip(got, want).allSatisfy { Self.close($0.0, $1.0) },
                "cluster \(quantity)")
        }
        let hosts = try await grafana.series(
            GrafanaClient.query("cluster.hosts", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to))
        #expect(
            hosts["fox total hosts"]?.map(\.0)
                == expected.hostsAt.sorted { $0.key < $1.key }.map { Double($0.value.count) })
        for job in ["500", "501", "502"] {
            let got =
                try await grafana.series(
                    GrafanaClient.query(
                        "job.cpu", payload: #"{"cluster":"fox","job":"\#(job)"}"#, from: Self.from, to: Self.to))[
                    "fox job \(job) cpu"] ?? []
            let want = expected.job[job]!.sorted { $0.key < $1.key }.map { ($0.value.cpu, $0.key * 1000) }
            #expect(got.map(\.1) == want.map(\.1) && zip(got, want).allSatisfy { Self.close($0.0, $1.0) }, "job \(job)")
        }
        for user in ["alice", "bob", "root"] {
            let got =
                try await grafana.series(
                    GrafanaClient.query(
                        "user.rssanonkib", payload: #"{"cluster":"fox","user":"\#(user)"}"#, from: Self.from,
                        to: Self.to))["fox user \(user) rssanonkib"] ?? []
            let want = expected.user[user]!.sorted { $0.key < $1.key }.map { ($0.value.rssanonkib, $0.key * 1000) }
            #expect(
                got.map(\.1) == want.map(\.1) && zip(got, want).allSatisfy { Self.close($0.0, $1.0) }, "user \(user)")
        }
        // Top jobs: a table (rows, not values), ordered by mean CPU over the range.
        let top = try await grafana.post(
            "query",
            GrafanaClient.query(
                "jobs.top", payload: #"{"cluster":"fox","limit":"2"}"#, from: Self.from, to: Self.to))
        let table = try #require(top.objects.first)
        #expect(table["type"] as? String == "table" && table["values"] == nil)
        let rows = table["rows"] as? [[Any]] ?? []
        let means = expected.job.mapValues { series in series.values.map(\.cpu).reduce(0, +) / Double(series.count) }
        let want = means.sorted { $0.value > $1.value }.prefix(2)
        #expect(rows.map { $0[0] as? String } == want.map(\.key))
        #expect(zip(rows, want).allSatisfy { Self.close(($0[2] as? NSNumber)?.doubleValue ?? -1, $1.value) })
    }

    @Test func downsamplingKeepsMaxDataPointsAndAveragesEachBucket() async throws {
        let (f, grafana, expected) = try await Self.loaded()
        defer { f.close() }
        // 12 samples 5 minutes apart, at most 4 points: buckets of 15 minutes, 3 samples each.
        let series = try await grafana.series(
            GrafanaClient.query(
                "host.cpu", payload: #"{"cluster":"fox","host":"c1"}"#, from: Self.from, to: Self.to, intervalMs: 1000,
                maxDataPoints: 4))
        let got = try #require(series["fox/c1 cpu"])
        #expect(got.count == 4)
        let samples = expected.host["c1"]!.sorted { $0.key < $1.key }.map(\.value.cpu)
        for (i, point) in got.enumerated() {
            let mean = samples[(i * 3)..<(i * 3 + 3)].reduce(0, +) / 3
            #expect(Self.close(point.0, mean), "bucket \(i): \(point.0) vs \(mean)")
            #expect(point.1 == (Self.from + Int64(i) * 900) * 1000)
        }
        // intervalMs alone also coarsens: one point per hour.
        let hourly = try await grafana.series(
            GrafanaClient.query(
                "cluster.cpu", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to, intervalMs: 3_600_000,
                maxDataPoints: 1000))
        #expect(hourly["fox total cpu"]?.count == 1)
        for maxPoints in [1, 5, 7, 11] {
            let s = try await grafana.series(
                GrafanaClient.query(
                    "host.cpu", payload: #"{"cluster":"fox","host":"c2"}"#, from: Self.from, to: Self.to,
                    maxDataPoints: maxPoints))
            #expect((s["fox/c2 cpu"]?.count ?? 99) <= maxPoints, "maxDataPoints \(maxPoints)")
        }
    }

    @Test func aClusterScopedUserGets403ForAnotherClusterAndOpsSeesBoth() async throws {
        let (f, grafana, _) = try await Self.loaded()
        defer { f.close() }
        let body = GrafanaClient.query(
            "host.cpu", payload: #"{"cluster":"fox","host":"c1"}"#, from: Self.from, to: Self.to)
        var saga = grafana
        (saga.user, saga.password) = ("saga", "saga-secret")
        let refused = try await saga.post("query", body)
        #expect(refused.status == 403)
        #expect((refused.json as? [String: Any])?["error"] as? String != nil)
        let options = try await saga.post(
            "metric-payload-options", #"{"metric":"host.cpu","payload":{"cluster":"fox"},"name":"host"}"#)
        #expect(options.status == 403)
        let sagaClusters = try await saga.post(
            "metric-payload-options", #"{"metric":"host.cpu","payload":{},"name":"cluster"}"#)
        #expect(sagaClusters.objects.map { $0["value"] as? String } == ["saga"])
        var ops = grafana
        (ops.user, ops.password) = ("ops", "ops-secret")
        #expect(try await ops.post("query", body).status == 200)
        let opsClusters = try await ops.post(
            "metric-payload-options", #"{"metric":"host.cpu","payload":{},"name":"cluster"}"#)
        #expect(opsClusters.objects.map { $0["value"] as? String } == ["fox", "saga"])
        var wrong = grafana
        wrong.password = "not-it"
        let unauthorized = try await wrong.post("query", body)
        #expect(unauthorized.status == 401)
        let anonymous = try await f.client.send(
            f.receiver.baseURL + "/grafana/query", contentType: "application/json", body: body)
        #expect(anonymous.status == 401)
    }

    @Test func unknownMetricsAndBadBodiesAre400WithAJSONReason() async throws {
        let (f, grafana, _) = try await Self.loaded()
        defer { f.close() }
        for body in [
            GrafanaClient.query("host.nope", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to),
            GrafanaClient.query("nope", payload: "{}", from: Self.from, to: Self.to),
            GrafanaClient.query("cluster.jobs", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to),
            GrafanaClient.query("job.cpu", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to),
            #"{"range":{"from":"yesterday","to":"now"},"targets":[]}"#,
            "not json",
        ] {
            let reply = try await grafana.post("query", body)
            #expect(reply.status == 400, "\(body.prefix(60)): \(reply.status) \(reply.body)")
            let reason = (reply.json as? [String: Any])?["error"] as? String
            #expect(reason?.isEmpty == false, "a JSON reason: \(reply.body)")
        }
        let unknown = try await grafana.post(
            "query", GrafanaClient.query("host.nope", payload: "{}", from: Self.from, to: Self.to))
        #expect(unknown.body.contains("unknown metric"))
    }
}
