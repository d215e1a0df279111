import FathomShared
import Foundation
import Testing

@testable import FathomReceiver

/// Series reads page as esmond's do (default and maximum `limit`, `offset`, time filters) and are
/// written in byte-bounded pages: the answer is the same series, in order, whatever the page cuts
/// (on both stores).
@Suite struct ArchiveBoundedReadTests {
    static let archive = "/esmond/perfsonar/archive/"
    static let metadata = #"""
        {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
         "event-types":[{"event-type":"throughput"},{"event-type":"packet-trace"}]}
        """#

    func create(_ server: ArchiveTestServer) async throws -> String {
        let created = try await server.send("POST", Self.archive, json: Self.metadata)
        return try #require((created.json as? [String: Any])?["metadata-key"] as? String)
    }

    func timestamps(_ reply: RawHTTPClient.Reply) -> [Int] {
        (reply.json as? [[String: Any]])?.compactMap { ($0["ts"] as? NSNumber)?.intValue } ?? [-1]
    }

    @Test(.timeLimit(.minutes(3)), arguments: ArchiveStoreKind.allCases)
    func seriesLimitDefaultsTo1500AndIsCappedAt10000(
        kind: ArchiveStoreKind
    ) async throws {
        try await ArchiveTestServer.with(kind: kind) { server in
            let key = try await create(server)
            let count = ArchiveQueryParameters.maxSeriesLimit + 50
            let points = (0..<count).map {
                ArchiveNewPoint(ts: Int64(1_000 + $0), eventType: "throughput", value: .integer(Int64($0)))
            }
            #expect(try await server.store.addPoints(key: key, points: points) == nil)
            let base = Self.archive + key + "/throughput/base?time-start=0"
            #expect(timestamps(try await server.get(base)) == Array(1_000..<2_500))
            #expect(timestamps(try await server.get(base + "&limit=0")) == Array(1_000..<2_500))
            #expect(timestamps(try await server.get(base + "&limit=1000000")) == Array(1_000..<(1_000 + 10_000)))
            #expect(timestamps(try await server.get(base + "&limit=5&offset=10")) == Array(1_010..<1_015))
            // esmond-client's loop: limit=1000, then time-start = last ts + 1.
            #expect(
                timestamps(try await server.get(Self.archive + key + "/throughput/base?time-start=1999&limit=1000"))
                    == Array(1_999..<2_999))
            #expect(timestamps(try await server.get(Self.archive + key + "/throughput/base?time=1500")) == [1_500])
            #expect(timestamps(try await server.get(base + "&time-end=1004")) == Array(1_000...1_004))
        }
    }

    /// Points of about 60 KB: a 256 KB page holds four or five, so 30 points cross many pages.
    @Test(.timeLimit(.minutes(3)), arguments: ArchiveStoreKind.allCases)
    func largeValuesStreamAcrossPagesInOrderWithoutLossOrRepeat(
        kind: ArchiveStoreKind
    ) async throws {
        try await ArchiveTestServer.with(kind: kind) { server in
            let key = try await create(server)
            let hop = JSONValue.object([
                "ttl": .integer(1), "query": .integer(1), "success": .integer(1), "ip": .string("10.0.0.1"),
                "hostname": .string(String(repeating: "h", count: 200)), "rtt": .number(0.5),
            ])
            let value = JSONValue.array(Array(repeating: hop, count: 250))
            let points = (0..<30).map {
                ArchiveNewPoint(ts: Int64(5_000 + $0), eventType: "packet-trace", value: value)
            }
            #expect(try await server.store.addPoints(key: key, points: points) == nil)
            let all = try await server.get(Self.archive + key + "/packet-trace/base?time-start=0")
            #expect(all.status == 200)
            #expect(all.header("Transfer-Encoding")?.lowercased() == "chunked")
            #expect(timestamps(all) == Array(5_000..<5_030))
            let hops = (all.json as? [[String: Any]])?.map { ($0["val"] as? [Any])?.count ?? 0 }
            #expect(hops == Array(repeating: 250, count: 30))
            let middle = try await server.get(Self.archive + key + "/packet-trace/base?time-start=0&offset=7&limit=13")
            #expect(timestamps(middle) == Array(5_007..<5_020))
            let window = try await server.get(
                Self.archive + key + "/packet-trace/base?time-start=5003&time-end=5025&offset=2")
            #expect(timestamps(window) == Array(5_005...5_025))
        }
    }

    @Test func metadataListLimitIsCappedAtTheDefault() {
        #expect(ArchiveQueryParameters(["limit": "100000"]).paging() == (1_500, 0))
        #expect(ArchiveQueryParameters(["limit": "20", "offset": "-5"]).paging() == (20, 0))
        #expect(ArchiveQueryParameters(["limit": "x"]).paging() == (1_500, 0))
    }
}
