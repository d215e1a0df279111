import FathomTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The esmond archive in the PostgreSQL store, served by two receivers on one database: metadata
/// posted through both at once gets one key, and every point is readable (and a repeated point
/// refused) through either, because neither keeps any archive state of its own.
@Suite(.timeLimit(.minutes(3))) struct PostgresArchiveTests {
    static let archive = "/esmond/perfsonar/archive/"
    static let metadata = #"""
        {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2",
         "measurement-agent":"10.0.0.1","tool-name":"pscheduler/iperf3","input-source":"10.0.0.1",
         "input-destination":"10.0.0.2","time-duration":"25",
         "event-types":[{"event-type":"throughput","summaries":[{"summary-type":"average","summary-window":86400}]}]}
        """#

    func send(_ f: ReceiverFixture, _ method: HTTPMethod, _ path: String, json: String? = nil) async throws
        -> UploadClient.Reply
    {
        try await f.client.send(
            f.receiver.baseURL + path, method: method, contentType: json == nil ? nil : "application/json",
            body: json ?? "", headers: [("Authorization", "Token \(ReceiverFixture.archiveToken)")])
    }

    func values(_ reply: UploadClient.Reply) -> [Double] {
        let list = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [[String: Any]] ?? []
        return list.compactMap { ($0["val"] as? NSNumber)?.doubleValue }
    }

    @Test func twoReceiversOnOneDatabaseServeOneArchive() async throws {
        guard let (server, url) = try await SharedPostgresServers.database() else { return }
        let a = try await ReceiverFixture(archive: true, store: url)
        defer { a.close() }
        let b = try await ReceiverFixture(archive: true, store: url)
        defer { b.close() }
        // The same metadata through both receivers at once, as two perfSONAR hosts might post it.
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<16 {
                let f = i % 2 == 0 ? a : b
                group.addTask { try await f.createArchiveMetadata(Self.metadata) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys.count == 1, "\(keys)")
        #expect(try server.psql("SELECT count(*) FROM fathom_archive_metadata", database: url) == "1")
        let key = try #require(keys.first)
        let base = Self.archive + key + "/throughput/base"

        let first = try await send(a, .POST, base, json: #"{"ts": 1795410000, "val": 1000}"#)
        #expect(first.status == 201, "\(first.body)")
        let second = try await send(b, .POST, base, json: #"{"ts": 1795413600, "val": 3000}"#)
        #expect(second.status == 201, "\(second.body)")
        // The point A stored is a duplicate through B.
        let repeated = try await send(b, .POST, base, json: #"{"ts": 1795410000, "val": 7}"#)
        #expect(repeated.status == 409, "\(repeated.body)")
        for f in [a, b] {
            let read = try await send(f, .GET, base + "?time-start=1795400000&time-end=1795500000")
            #expect(read.status == 200 && values(read) == [1000, 3000], "\(read.body)")
            // One daily average folded from points written through both receivers.
            let average = try await send(
                f, .GET, Self.archive + key + "/throughput/averages/86400?time-start=1795300000")
            #expect(values(average) == [2000], "\(average.body)")
            let listed = try await send(f, .GET, Self.archive + "?source=10.0.0.1")
            #expect(listed.body.contains(key), "\(listed.body)")
        }
    }
}
