import FathomShared
import FathomTestSupport
import Foundation
import GRDB
import Testing

@testable import FathomReceiver

/// A write is answered only after its transaction committed with a sync of the WAL: the writer
/// connection runs at `synchronous = FULL` (GRDB's WAL default, NORMAL, syncs only at checkpoints,
/// so a power cut could lose a point already answered 201).
@Suite struct ArchiveCommitDurabilityTests {
    @Test func theWriterConnectionSyncsEveryCommit() async throws {
        let dir = TempDirectory("fathom-archive-sync")
        defer { dir.remove() }
        let store = try SQLiteArchiveStore(path: dir.file("archive.sqlite"))
        let mode = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == 2, "synchronous = \(String(describing: mode)); FULL is 2")
        let journal = try await store.pool.write { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    /// A histogram resent after a lost 201 (the agent's spool does that) must not count twice in
    /// its aggregation; a different histogram at the same time replaces the first in it.
    @Test(.timeLimit(.minutes(1))) func aReplayedHistogramIsFoldedIntoItsAggregationOnce() async throws {
        try await ArchiveTestServer.with { server in
            let metadata = #"""
                {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
                 "event-types":[{"event-type":"histogram-owdelay","summaries":[
                   {"summary-type":"aggregation","summary-window":3600},{"summary-type":"statistics","summary-window":3600}]}]}
                """#
            let created = try await server.send("POST", "/esmond/perfsonar/archive/", json: metadata)
            let key = try #require((created.json as? [String: Any])?["metadata-key"] as? String)
            let base = "/esmond/perfsonar/archive/\(key)/histogram-owdelay/"
            func post(_ ts: Int, _ histogram: String) async throws -> Int {
                try await server.send("POST", base + "base", json: #"{"ts":\#(ts),"val":\#(histogram)}"#).status
            }
            func aggregation() async throws -> [String: Int] {
                let reply = try await server.get(base + "aggregations/3600?time-start=0")
                let val = (reply.json as? [[String: Any]])?.first?["val"] as? [String: Any] ?? [:]
                return val.compactMapValues { ($0 as? NSNumber)?.intValue }
            }
            #expect(try await post(1_700_000_000, #"{"10":3,"12":1}"#) == 201)
            #expect(try await post(1_700_000_060, #"{"10":1}"#) == 201)
            #expect(try await post(1_700_000_000, #"{"10":3,"12":1}"#) == 201)
            #expect(try await aggregation() == ["10": 4, "12": 1])
            #expect(try await post(1_700_000_000, #"{"11":2}"#) == 201)
            #expect(try await aggregation() == ["10": 1, "11": 2])
            let statistics = try await server.get(base + "statistics/3600?time-start=0")
            let stats = (statistics.json as? [[String: Any]])?.first?["val"] as? [String: Any] ?? [:]
            #expect(
                (stats["minimum"] as? NSNumber)?.doubleValue == 10 && (stats["maximum"] as? NSNumber)?.doubleValue == 11
            )
        }
    }
}
