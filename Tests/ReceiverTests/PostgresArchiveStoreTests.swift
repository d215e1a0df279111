import FathomTestSupport
import Foundation
import Logging
import Testing

@testable import FathomReceiver

/// What only the PostgreSQL archive has to get right: several receivers writing one metadata's
/// points at once (its summaries are read, folded and written back, so they must take turns),
/// and a database a receiver from before the archive moved there upgrades in place.
@Suite(.timeLimit(.minutes(2))) struct PostgresArchiveStoreTests {
    static func open(_ url: String) async throws -> PostgresArchiveStore {
        var logger = Logger(label: "postgres-archive-test")
        logger.logLevel = .critical
        return try await PostgresArchiveStore.open(settings: StoreSettings(url: url), logger: logger)
    }

    @Test func twoStoresWritingOneMetadataAtOnceLoseNoSummaryUpdate() async throws {
        guard let (_, url) = try await SharedPostgresServers.database() else { return }
        let a = try await Self.open(url)
        let b = try await Self.open(url)
        try await ArchiveStoreKind.closing([a, b]) {
            let key = try await a.createOrGetMetadata(ArchiveStoreTests.throughputInput()).metadata.key
            #expect(try await b.createOrGetMetadata(ArchiveStoreTests.throughputInput()).metadata.key == key)
            // 2 × 40 points of one day, single and bulk writes interleaved across the two stores.
            let day: Int64 = 1_398_902_400
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        _ = try await a.addPoint(
                            key: key, eventType: "throughput", ts: day + Int64(i) * 60, value: .integer(Int64(i)))
                    }
                    group.addTask {
                        let point = ArchiveNewPoint(
                            ts: day + 40 * 60 + Int64(i) * 60, eventType: "throughput", value: .integer(100))
                        let duplicate = try await b.addPoints(key: key, points: [point])
                        #expect(duplicate == nil)
                    }
                }
                try await group.waitForAll()
            }
            let aggregation = try await b.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.aggregation, 86400), time: .unbounded))
            #expect(aggregation == [ArchivePoint(ts: day, value: .integer((0..<40).reduce(0, +) + 40 * 100))])
            let average = try await a.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.average, 86400), time: .unbounded))
            #expect(average.first?.value["count"] == .integer(80), "\(average)")
        }
    }

    @Test func aDatabaseFromBeforeTheArchiveUpgradesInPlace() async throws {
        guard let (server, url) = try await SharedPostgresServers.database() else { return }
        // Schema version 1, as a receiver without the archive left it, with a batch stored.
        let before =
            ["CREATE TABLE fathom_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"]
            + PostgresSchema.samples[0] + ["INSERT INTO fathom_schema (version) VALUES (1)"]
        try server.psql(before.joined(separator: ";\n"), database: url)
        try server.psql("INSERT INTO fathom_batches (id) VALUES ('fox/old')", database: url)
        let store = try await Self.open(url)
        try await ArchiveStoreKind.closing([store]) {
            #expect(
                try server.psql(
                    "SELECT string_agg(version::text, ',' ORDER BY version) FROM fathom_schema", database: url)
                    == (1...PostgresSchema.latestVersion).map(String.init).joined(separator: ","))
            #expect(try server.psql("SELECT id FROM fathom_batches", database: url) == "fox/old")
            let key = try await store.createOrGetMetadata(ArchiveStoreTests.throughputInput()).metadata.key
            #expect(try await store.addPoint(key: key, eventType: "throughput", ts: 60, value: .integer(5)) == .stored)
        }
    }
}
