import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// Both archive stores, each check on each (a SQLite file; a database on the suite's PostgreSQL
/// server): checksum dedup, filters, summaries on ingest, duplicates, restarts.
@Suite(.timeLimit(.minutes(2))) struct ArchiveStoreTests {
    static func throughputInput(duration: String = "25.0", source: String = "10.0.0.1") -> ArchiveMetadataInput {
        ArchiveMetadataInput(
            subjectType: .pointToPoint,
            subject: [
                "source": source, "destination": "10.0.0.2", "measurement-agent": source,
                "tool-name": "pscheduler/iperf3", "input-source": "Host1.example.net", "input-destination": "host2",
            ],
            parameters: ["time-duration": duration, "pscheduler-test-type": "throughput"],
            eventTypes: [
                ArchiveEventTypeEntry(
                    eventType: "throughput",
                    summaries: [ArchiveSummary(.average, 86400), ArchiveSummary(.aggregation, 86400)]),
                ArchiveEventTypeEntry(eventType: "failures", summaries: []),
            ])
    }

    @Test(arguments: ArchiveStoreKind.allCases) func identicalMetadataUpToCaseReturnsTheSameRandomKey(
        kind: ArchiveStoreKind
    ) async throws {
        try await kind.withStore(now: 1_800_000_000) { store, dir in
            let (first, created) = try await store.createOrGetMetadata(Self.throughputInput())
            #expect(created)
            #expect(first.key.count == 32 && first.key.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            var shouted = Self.throughputInput()
            shouted.subject["input-source"] = "HOST1.EXAMPLE.NET"
            let (again, createdAgain) = try await store.createOrGetMetadata(shouted)
            #expect(!createdAgain)
            #expect(again.key == first.key)
            let (other, _) = try await store.createOrGetMetadata(Self.throughputInput(duration: "26.0"))
            #expect(other.key != first.key)
            // The SQLite store runs in WAL mode: readers never block the writer.
            if kind == .sqlite { #expect(FileManager.default.fileExists(atPath: dir.file("archive.sqlite-wal"))) }
        }
    }

    /// esmond let racing identical POSTs hit its unique constraint (a 500); here one wins, all agree.
    @Test(arguments: ArchiveStoreKind.allCases) func concurrentIdenticalMetadataPostsYieldOneKey(kind: ArchiveStoreKind)
        async throws
    {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let keys = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.createOrGetMetadata(Self.throughputInput()).metadata.key }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(keys.count == 1)
            #expect(try await store.listMetadata(ArchiveMetadataFilter()).total == 1)
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func throughputSummariesMatchEsmondsGoldenVector(kind: ArchiveStoreKind)
        async throws
    {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let key = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            let values: [Int64] = [5_978_580_000, 5_413_040_000, 7_964_590_000, 6_946_810_000]
            for (i, v) in values.enumerated() {
                let outcome = try await store.addPoint(
                    key: key, eventType: "throughput", ts: 1_398_965_989 + Int64(i) * 7200, value: .integer(v))
                #expect(outcome == .stored)
            }
            let average = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.average, 86400), time: .unbounded))
            #expect(average.count == 1 && average[0].ts == 1_398_902_400)
            #expect(SummaryFolding.readBack(average[0].value, kind: .integer, type: .average) == .number(6_575_755_000))
            let aggregation = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.aggregation, 86400), time: .unbounded))
            #expect(
                SummaryFolding.readBack(aggregation[0].value, kind: .integer, type: .aggregation)
                    == .integer(26_303_020_000))
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func repeatedNumericPointIsADuplicateButJSONPointsOverwrite(
        kind: ArchiveStoreKind
    ) async throws {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let key = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            _ = try await store.addPoint(key: key, eventType: "throughput", ts: 100, value: .integer(1))
            await #expect(throws: ArchiveDuplicatePoint(eventType: "throughput", ts: 100)) {
                try await store.addPoint(key: key, eventType: "throughput", ts: 100, value: .integer(2))
            }
            _ = try await store.addPoint(
                key: key, eventType: "failures", ts: 100, value: .object(["error": .string("a")]))
            _ = try await store.addPoint(
                key: key, eventType: "failures", ts: 100, value: .object(["error": .string("b")]))
            let failures = try await store.points(
                ArchiveSeriesQuery(key: key, eventType: "failures", summary: ArchiveSummary(.base, 0), time: .unbounded)
            )
            #expect(failures == [ArchivePoint(ts: 100, value: .object(["error": .string("b")]))])
            // A duplicate mid-bulk keeps the points before it, as esmond does, and reports it.
            let duplicate = try await store.addPoints(
                key: key,
                points: [
                    ArchiveNewPoint(ts: 200, eventType: "throughput", value: .integer(5)),
                    ArchiveNewPoint(ts: 100, eventType: "throughput", value: .integer(9)),
                ])
            #expect(duplicate == ArchiveDuplicatePoint(eventType: "throughput", ts: 100))
            let base = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.base, 0), time: .unbounded))
            #expect(base.map(\.ts) == [100, 200])
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func unregisteredEventTypesAndUnknownKeysAreDroppedNotStored(
        kind: ArchiveStoreKind
    ) async throws {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let key = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            #expect(try await store.addPoint(key: key, eventType: "packet-rtt", ts: 1, value: .integer(3)) == .dropped)
            #expect(
                try await store.addPoint(
                    key: String(repeating: "0", count: 32), eventType: "throughput", ts: 1, value: .integer(3))
                    == .dropped)
            let rtt = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "packet-rtt", summary: ArchiveSummary(.base, 0), time: .unbounded))
            #expect(rtt.isEmpty)
            #expect(
                try await store.metadata(key: key)?.input.eventTypes.first { $0.eventType == "throughput" }?.timeUpdated
                    == nil)
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func listFiltersMatchEsmondsRules(kind: ArchiveStoreKind) async throws {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let a = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            let b = try await store.createOrGetMetadata(Self.throughputInput(source: "10.9.9.9")).metadata.key
            _ = try await store.addPoint(key: a, eventType: "throughput", ts: 10, value: .integer(1))
            var filter = ArchiveMetadataFilter()
            #expect(try await store.listMetadata(filter).total == 2)
            filter.subject["source"] = ["10.9.9.9"]
            #expect(try await store.listMetadata(filter).page.map(\.key) == [b])
            filter = ArchiveMetadataFilter()
            filter.parameters = ["time-duration": "25"]  // stored as "25.0": exact string match only
            #expect(try await store.listMetadata(filter).total == 0)
            filter.parameters = ["time-duration": "25.0"]
            #expect(try await store.listMetadata(filter).total == 2)
            filter = ArchiveMetadataFilter()
            filter.eventType = "throughput"
            filter.summaryType = "average"
            filter.summaryWindow = 86400
            #expect(try await store.listMetadata(filter).total == 2)
            filter.eventType = "failures"  // failures has no average row: the same row must match all
            #expect(try await store.listMetadata(filter).total == 0)
            filter = ArchiveMetadataFilter()
            filter.timeUpdated = ArchiveTimeRange(begin: 1_799_999_000, end: nil)
            #expect(try await store.listMetadata(filter).page.map(\.key) == [a])
            filter = ArchiveMetadataFilter()
            filter.limit = 1
            filter.offset = 1
            let page = try await store.listMetadata(filter)
            #expect(page.total == 2 && page.page.map(\.key) == [[a, b].sorted()[1]])
            filter = ArchiveMetadataFilter()
            filter.subject["tool-name"] = ["x' OR '1'='1"]
            #expect(try await store.listMetadata(filter).total == 0)
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func seriesAreSortedFilteredByTimeAndLimited(kind: ArchiveStoreKind)
        async throws
    {
        try await kind.withStore(now: 1_800_000_000) { store, _ in
            let key = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            let points = [50, 10, 40, 20, 30].map {
                ArchiveNewPoint(ts: Int64($0), eventType: "throughput", value: .integer(Int64($0)))
            }
            #expect(try await store.addPoints(key: key, points: points) == nil)
            let all = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.base, 0), time: .unbounded))
            #expect(all.map(\.ts) == [10, 20, 30, 40, 50])
            let window = try await store.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.base, 0),
                    time: ArchiveTimeRange(begin: 20, end: 40), limit: 2))
            #expect(window.map(\.ts) == [20, 30])
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func dataSurvivesReopeningTheStore(kind: ArchiveStoreKind)
        async throws
    {
        let dir = TempDirectory("fathom-archive-reopen")
        defer { dir.remove() }
        guard let location = try await kind.makeLocation(in: dir) else { return }
        let store = try await ArchiveStoreKind.open(location)
        let key = try await ArchiveStoreKind.closing([store]) {
            let key = try await store.createOrGetMetadata(Self.throughputInput()).metadata.key
            _ = try await store.addPoint(key: key, eventType: "throughput", ts: 5, value: .integer(7))
            return key
        }
        let reopened = try await ArchiveStoreKind.open(location)
        try await ArchiveStoreKind.closing([reopened]) {
            #expect(try await reopened.createOrGetMetadata(Self.throughputInput()).metadata.key == key)
            let points = try await reopened.points(
                ArchiveSeriesQuery(
                    key: key, eventType: "throughput", summary: ArchiveSummary(.base, 0), time: .unbounded))
            #expect(points == [ArchivePoint(ts: 5, value: .integer(7))])
        }
    }
}
