import FathomTestSupport
import Foundation
import Testing

/// Grafana on the scale-out store: the same uploads through the embedded store (files and the
/// SQLite index) and through two receivers on one real PostgreSQL (each upload to one of them,
/// concurrently, so both add to the same cluster minutes) give the same `/grafana/` answers
/// (host, cluster, job and user series, downsampled series, top jobs, names) from either
/// receiver; batches replayed through the other receiver change no value, and neither does
/// `reindex --store` (the index rebuilt from the stored lines, receivers running).
@Suite(.serialized, .timeLimit(.minutes(5))) struct PostgresGrafanaTests {
    static let from = GrafanaSamples.t0
    static let to = GrafanaSamples.t0 + Int64(GrafanaSamples.samples) * GrafanaSamples.step

    /// Every request compared: endpoint and body.
    static var requests: [(String, String)] {
        var out: [(String, String)] = []
        func query(_ metric: String, _ payload: String, maxDataPoints: Int = 10_000) {
            out.append(
                (
                    "query",
                    GrafanaClient.query(metric, payload: payload, from: from, to: to, maxDataPoints: maxDataPoints)
                ))
        }
        for quantity in ["cpu", "cpukib", "rssanonkib", "gpu", "gpumem", "gpukib", "processes", "jobs", "users"] {
            // No host named: every host the index lists.
            query("host.\(quantity)", #"{"cluster":"fox"}"#)
        }
        for quantity in ["cpu", "cpukib", "rssanonkib", "gpu", "gpumem", "gpukib", "processes", "hosts"] {
            query("cluster.\(quantity)", #"{"cluster":"fox"}"#)
        }
        for job in ["500", "501", "502"] {
            query("job.cpu", #"{"cluster":"fox","job":"\#(job)"}"#)
            query("job.rssanonkib", #"{"cluster":"fox","job":"\#(job)"}"#)
        }
        for user in ["alice", "bob", "root"] {
            query("user.cpu", #"{"cluster":"fox","user":"\#(user)"}"#)
        }
        query("host.cpu", #"{"cluster":"fox","host":["c1","c3"]}"#, maxDataPoints: 4)
        query("cluster.gpu", #"{"cluster":"fox"}"#, maxDataPoints: 5)
        query("jobs.top", #"{"cluster":"fox","limit":"3"}"#)
        query("jobs.top", #"{"cluster":"fox","limit":"1"}"#)
        let range = """
            "range":{"from":"\(GrafanaSamples.iso(from))","to":"\(GrafanaSamples.iso(to))","raw":{"from":"now-7d","to":"now"}}
            """
        out += [
            ("metric-payload-options", #"{"metric":"host.cpu","payload":{"cluster":"fox"},"name":"host"}"#),
            ("metric-payload-options", #"{"metric":"host.cpu","payload":{},"name":"cluster"}"#),
            ("variable", #"{"payload":{"target":"jobs","cluster":"fox"},\#(range)}"#),
            ("variable", #"{"payload":{"target":"users","cluster":"fox"},\#(range)}"#),
            ("tag-values", #"{"key":"host"}"#),
        ]
        return out
    }

    /// Equal JSON, numbers within a relative 1e-9 (sums added in another order may differ in the last bit).
    static func same(_ x: Any, _ y: Any) -> Bool {
        switch (x, y) {
        case (let a as String, let b as String): return a == b
        case (let a as NSNumber, let b as NSNumber):
            return abs(a.doubleValue - b.doubleValue) <= 1e-9 * max(1, abs(a.doubleValue))
        case (let a as [Any], let b as [Any]): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (let a as [String: Any], let b as [String: Any]):
            return Set(a.keys) == Set(b.keys) && a.allSatisfy { key, value in same(value, b[key]!) }
        default: return false
        }
    }

    /// The answers of every request, in order (failing on any status but 200).
    static func answers(_ grafana: GrafanaClient) async throws -> [Any] {
        var out: [Any] = []
        for (endpoint, body) in requests {
            let reply = try await grafana.post(endpoint, body)
            guard reply.status == 200, let json = reply.json else {
                throw TestFailure("\(endpoint) \(body.prefix(80)): \(reply.status) \(reply.body)")
            }
            out.append(json)
        }
        return out
    }

    static func post(_ f: ReceiverFixture, _ body: String, batch: String) async throws {
        let reply = try await f.client.send(
            f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: body,
            headers: [("Fathom-Batch-Id", batch)])
        guard reply.status == 200 else { throw TestFailure("upload \(batch): \(reply.status) \(reply.body)") }
    }

    @Test func twoReceiversOnOneDatabaseAnswerGrafanaAsTheEmbeddedStoreDoesAndAReplayAddsNothing() async throws {
        guard let pg = try await PostgresStoreTests.server() else { return }
        defer { pg.remove() }
        let embedded = try await ReceiverFixture()
        defer { embedded.close() }
        let a = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { a.close() }
        let b = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { b.close() }
        let uploads = GrafanaSamples.uploads()
        try await GrafanaSamples.upload(uploads, to: embedded)
        // Each host's uploads in order, alternately through a and b, the hosts at once.
        let receivers = [a, b]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for host in GrafanaSamples.hosts {
                group.addTask {
                    for (i, upload) in uploads.enumerated() where upload.host == host {
                        try await Self.post(receivers[i % 2], upload.body, batch: "g-\(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let want = try await Self.answers(GrafanaClient(client: embedded.client, baseURL: embedded.receiver.baseURL))
        // Not a comparison of two empty answers: the embedded store's own series are the sums.
        let hostCPU = want[0] as? [[String: Any]] ?? []
        #expect(hostCPU.count == 3 && hostCPU.allSatisfy { ($0["datapoints"] as? [Any])?.count == 12 }, "\(hostCPU)")
        for (name, f) in [("a", a), ("b", b)] {
            let got = try await Self.answers(GrafanaClient(client: f.client, baseURL: f.receiver.baseURL))
            for (i, (endpoint, body)) in Self.requests.enumerated() {
                #expect(Self.same(got[i], want[i]), "receiver \(name) \(endpoint) \(body): \(got[i]) vs \(want[i])")
            }
        }
        let lines = uploads.map(\.body).joined().split(separator: "\n")
        let processes = lines.filter { !$0.contains("_heartbeat_") }.count
        #expect(try pg.psql("SELECT sum(processes) FROM fathom_host_sample") == "\(processes)")

        // Replays through the other receiver (lost acks, agents failing over): acknowledged, nothing added.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, upload) in uploads.enumerated() where i % 3 == 0 {
                group.addTask { try await Self.post(receivers[(i + 1) % 2], upload.body, batch: "g-\(i)") }
            }
            try await group.waitForAll()
        }
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "\(lines.count)")
        #expect(try pg.psql("SELECT sum(processes) FROM fathom_host_sample") == "\(processes)")
        for (name, f) in [("a", a), ("b", b)] {
            let got = try await Self.answers(GrafanaClient(client: f.client, baseURL: f.receiver.baseURL))
            for (i, (endpoint, body)) in Self.requests.enumerated() {
                #expect(
                    Self.same(got[i], want[i]), "after replays, receiver \(name) \(endpoint) \(body): \(got[i])")
            }
        }

        // Rebuilt from the stored lines (receivers running): the same answers again.
        try pg.psql("UPDATE fathom_host_sample SET cpu = 0")
        let reindex = try await Self.reindex(pg)
        #expect(reindex.contains("reindexed \(lines.count) lines"), "\(reindex)")
        let rebuilt = try await Self.answers(GrafanaClient(client: b.client, baseURL: b.receiver.baseURL))
        for (i, (endpoint, body)) in Self.requests.enumerated() {
            #expect(Self.same(rebuilt[i], want[i]), "after reindex \(endpoint) \(body): \(rebuilt[i])")
        }
    }

    static func reindex(_ pg: PostgresServer) async throws -> String {
        let result = try await Shell.run([
            Shell.binDirectory + "/fathom-receiver", "reindex", "--store", pg.url,
        ])
        guard result.status == 0 else { throw TestFailure("reindex: \(result.stdout) \(result.stderr)") }
        return result.stdout
    }

    @Test func withTheIndexTurnedOffTheSampleSeriesAre503AndNothingIsIndexed() async throws {
        guard let pg = try await PostgresStoreTests.server() else { return }
        defer { pg.remove() }
        let f = try await ReceiverFixture(flags: ["--store", pg.url, "--no-index"])
        defer { f.close() }
        try await Self.post(f, sampleLine() + "\n", batch: "n-1")
        let grafana = GrafanaClient(client: f.client, baseURL: f.receiver.baseURL)
        let reply = try await grafana.post(
            "query", GrafanaClient.query("host.cpu", payload: #"{"cluster":"fox"}"#, from: Self.from, to: Self.to))
        #expect(reply.status == 503, "\(reply.status) \(reply.body)")
        #expect(try pg.psql("SELECT count(*) FROM fathom_host_sample") == "0")
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "1")
        // `reindex --store` folds what was stored without the index.
        #expect(try await Self.reindex(pg).contains("reindexed 1 lines"))
        #expect(try pg.psql("SELECT host, processes FROM fathom_host_sample") == "c1|1")
    }
}
