import FathomShared
import FathomTestSupport
import Foundation
import GRDB
import Testing

@testable import FathomReceiver

/// The bulk write path keeps summary bins in memory for the length of a transaction; these pin
/// that it stores exactly what point-by-point writes store (on both stores), and that commits stay
/// durable.
@Suite(.timeLimit(.minutes(2))) struct ArchiveBulkWriteTests {
    static let latency = ArchiveMetadataInput(
        subjectType: .pointToPoint,
        subject: ["source": "10.0.0.1", "destination": "10.0.0.2", "measurement-agent": "10.0.0.1"],
        parameters: [:],
        eventTypes: [
            ArchiveEventTypeEntry(
                eventType: "histogram-owdelay",
                summaries: [
                    ArchiveSummary(.aggregation, 300), ArchiveSummary(.aggregation, 3600),
                    ArchiveSummary(.statistics, 0), ArchiveSummary(.statistics, 300),
                    ArchiveSummary(.statistics, 86400),
                ]),
            ArchiveEventTypeEntry(
                eventType: "throughput",
                summaries: [ArchiveSummary(.average, 3600), ArchiveSummary(.aggregation, 3600)]),
        ])

    /// Histograms and throughput every 70 s over two hours, so bins of every window fill partly.
    static let points: [ArchiveNewPoint] = (0..<100).flatMap { i -> [ArchiveNewPoint] in
        let ts = Int64(1_700_000_000 + i * 70)
        let histogram = JSONValue.object(["\(10 + i % 3)": .integer(Int64(i % 7 + 1)), "20": .integer(2)])
        return [
            ArchiveNewPoint(ts: ts, eventType: "histogram-owdelay", value: histogram),
            ArchiveNewPoint(ts: ts, eventType: "throughput", value: .integer(Int64(1_000_000 + i * 1_000))),
        ]
    }

    static func series(_ store: any ArchiveStore, _ key: String) async throws -> [String: [ArchivePoint]] {
        var all: [String: [ArchivePoint]] = [:]
        for entry in latency.eventTypes {
            for summary in [ArchiveSummary(.base, 0)] + entry.summaries {
                all["\(entry.eventType)/\(summary.type.rawValue)/\(summary.window)"] = try await store.points(
                    ArchiveSeriesQuery(
                        key: key, eventType: entry.eventType, summary: summary, time: .unbounded, limit: 10_000))
            }
        }
        return all
    }

    @Test(arguments: ArchiveStoreKind.allCases) func bulkStoresWhatSinglePointsStore(kind: ArchiveStoreKind)
        async throws
    {
        let dir = TempDirectory("fathom-archive-bulk")
        defer { dir.remove() }
        guard let singleAt = try await kind.makeLocation(in: dir, name: "single"),
            let bulkAt = try await kind.makeLocation(in: dir, name: "bulk")
        else { return }
        let single = try await ArchiveStoreKind.open(singleAt)
        let bulk = try await ArchiveStoreKind.open(bulkAt)
        try await ArchiveStoreKind.closing([single, bulk]) {
            let singleKey = try await single.createOrGetMetadata(Self.latency).metadata.key
            let bulkKey = try await bulk.createOrGetMetadata(Self.latency).metadata.key
            for p in Self.points {
                _ = try await single.addPoint(key: singleKey, eventType: p.eventType, ts: p.ts, value: p.value)
            }
            // Uneven bulks, so bins straddle transactions and are read back from the file.
            for chunk in stride(from: 0, to: Self.points.count, by: 37) {
                #expect(
                    try await bulk.addPoints(
                        key: bulkKey, points: Array(Self.points[chunk..<min(chunk + 37, Self.points.count)])) == nil)
            }
            let expected = try await Self.series(single, singleKey)
            // 1_700_000_000 is 22:13 UTC: the run crosses midnight, so a daily bin ends mid-bulk.
            #expect(expected["histogram-owdelay/statistics/86400"]?.count == 2)
            #expect(expected["throughput/average/3600"]?.isEmpty == false)
            #expect(try await Self.series(bulk, bulkKey) == expected)
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func duplicateInABulkKeepsEarlierPointsAndTheirSummaries(
        kind: ArchiveStoreKind
    ) async throws {
        try await kind.withStore { store, _ in try await duplicateInABulk(store) }
    }

    func duplicateInABulk(_ store: any ArchiveStore) async throws {
        let key = try await store.createOrGetMetadata(Self.latency).metadata.key
        let points = [1, 2, 2, 3].map {
            ArchiveNewPoint(ts: 1_700_000_000 + $0, eventType: "throughput", value: .integer(10))
        }
        #expect(
            try await store.addPoints(key: key, points: points)
                == ArchiveDuplicatePoint(eventType: "throughput", ts: 1_700_000_002))
        let base = try await store.points(
            ArchiveSeriesQuery(key: key, eventType: "throughput", summary: ArchiveSummary(.base, 0), time: .unbounded))
        #expect(base.map(\.ts) == [1_700_000_001, 1_700_000_002])
        let sum = try await store.points(
            ArchiveSeriesQuery(
                key: key, eventType: "throughput", summary: ArchiveSummary(.aggregation, 3600), time: .unbounded))
        #expect(sum.map(\.value) == [.integer(20)], "the summary counts exactly the points stored")
    }

    @Test func commitsAreSynchronousFull() async throws {
        let dir = TempDirectory("fathom-archive-bulk")
        defer { dir.remove() }
        let store = try SQLiteArchiveStore(path: dir.file("archive.sqlite"))
        let level = try await store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(level == 2, "FULL: a 201 is on disk, not only in the page cache")
        #expect(try await store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
    }
}
