import FathomTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// SIGKILL the receiver while archive writes flow (bulk PUTs and single-point POSTs from several
/// clients): after a restart every acknowledged point is stored, and a replay of everything that
/// was sent (what an agent's spool does) stores nothing twice, summaries included (issue 9:
/// "the same property for the archive's SQLite writes").
@Suite(.serialized) struct ArchiveCrashTests {
    static let archive = "/esmond/perfsonar/archive/"
    /// A day bin start, so every point folds into one aggregation.
    static let day: Int64 = 1_700_006_400

    /// What one client sends for point `i`: a bulk PUT (throughput + packet-trace) and a POST.
    struct Write: Sendable, Hashable {
        var ts: Int64
        var throughput: Int64 { 1_000 + ts - ArchiveCrashTests.day }
        var bulk: String {
            #"{"data":[{"ts":\#(ts),"val":[{"event-type":"throughput","val":\#(throughput)},{"event-type":"histogram-owdelay","val":{"10":1,"11":2}},{"event-type":"packet-trace","val":[{"ttl":1,"query":1,"success":1,"ip":"10.0.0.1","rtt":0.3},{"ttl":2,"query":1,"success":1,"ip":"10.0.0.2","rtt":0.9}]}]}]}"#
        }
        var point: String { #"{"ts":\#(ts),"val":\#(ts % 1_000)}"# }
    }

    final class Sent: Sendable {
        let attempted = Mutex<Set<Write>>([])
        let acknowledged = Mutex<Set<Write>>([])
    }

    @Test(.timeLimit(.minutes(5))) func killDuringArchiveWritesLosesNoAcknowledgedPointAndReplayStoresNothingTwice()
        async throws
    {
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        do {
            try await check(f)
        } catch {
            Issue.record(error)
        }
    }

    func send(_ f: ReceiverFixture, _ base: String, _ method: HTTPMethod, _ path: String, _ body: String) async throws
        -> Int
    {
        try await f.client.send(
            base + Self.archive + path, method: method, contentType: "application/json", body: body,
            headers: [("Authorization", "Token \(ReceiverFixture.archiveToken)")]
        ).status
    }

    func check(_ f: ReceiverFixture) async throws {
        let metadata = #"""
            {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
             "event-types":[{"event-type":"throughput","summaries":[{"summary-type":"aggregation","summary-window":86400}]},
                            {"event-type":"histogram-owdelay","summaries":[{"summary-type":"aggregation","summary-window":86400}]},
                            {"event-type":"packet-trace"},{"event-type":"packet-count-sent"}]}
            """#
        let key = try await f.createArchiveMetadata(metadata)

        let sent = Sent()
        let clients = 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<clients {
                group.addTask {
                    for i in 0..<400 {
                        let write = Write(ts: Self.day + Int64(i * clients + c))
                        sent.attempted.withLock { _ = $0.insert(write) }
                        guard
                            let put = try? await send(f, f.receiver.baseURL, .PUT, key + "/", write.bulk), put == 201,
                            let post = try? await send(
                                f, f.receiver.baseURL, .POST, key + "/packet-count-sent/base", write.point), post == 201
                        else { return }
                        sent.acknowledged.withLock { _ = $0.insert(write) }
                    }
                }
            }
            group.addTask {
                for _ in 0..<600 where sent.acknowledged.withLock({ $0.count }) < 60 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(200))
                f.receiver.killHard()
            }
            try await group.waitForAll()
        }
        let acknowledged = sent.acknowledged.withLock { $0 }
        let attempted = sent.attempted.withLock { $0 }
        #expect(acknowledged.count > 0, "some writes must have been acknowledged before the kill")
        #expect(acknowledged.count < attempted.count || attempted.count == clients * 400)

        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"),
            extra: ["--archive-db", f.dir.file("archive.sqlite"), "--api-keys", f.dir.file("api-keys")])
        defer { back.stopLater(thenRemove: f.dir) }
        func series(_ path: String) async throws -> [(ts: Int64, val: Any)] {
            let reply = try await f.client.send(
                back.baseURL + Self.archive + key + path + "?time-start=0&limit=10000", method: .GET, contentType: nil)
            let list = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [[String: Any]]) ?? []
            return list.map { (($0["ts"] as? NSNumber)?.int64Value ?? -1, $0["val"] ?? NSNull()) }
        }
        // Durable: every acknowledged point survived the kill.
        let before = Set(try await series("/throughput/base").map(\.ts))
        let lost = acknowledged.filter { !before.contains($0.ts) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged points lost")

        // Replay everything, as a spool would: each answer is 201 (new) or 409 (stored already).
        for write in attempted {
            let put = try await send(f, back.baseURL, .PUT, key + "/", write.bulk)
            #expect(put == 201 || put == 409, "PUT \(write.ts): \(put)")
            let post = try await send(f, back.baseURL, .POST, key + "/packet-count-sent/base", write.point)
            #expect(post == 201 || post == 409, "POST \(write.ts): \(post)")
        }
        let expected = attempted.map(\.ts).sorted()
        for path in ["/throughput/base", "/histogram-owdelay/base", "/packet-trace/base", "/packet-count-sent/base"] {
            let ts = try await series(path).map(\.ts)
            #expect(ts == expected, "\(path): \(ts.count) points, \(expected.count) sent")
        }
        // The summary folded each point once: a replayed point did not add to it again.
        let aggregation = try await series("/throughput/aggregations/86400")
        let sum = attempted.reduce(Int64(0)) { $0 + $1.throughput }
        #expect(aggregation.count == 1)
        #expect(
            (aggregation.first?.val as? NSNumber)?.int64Value == sum,
            "aggregation \(String(describing: aggregation.first?.val)), sum \(sum)")
        let buckets = try await series("/histogram-owdelay/aggregations/86400").first?.val as? [String: Any] ?? [:]
        #expect(
            buckets.compactMapValues { ($0 as? NSNumber)?.intValue } == [
                "10": attempted.count, "11": 2 * attempted.count,
            ])
    }
}
