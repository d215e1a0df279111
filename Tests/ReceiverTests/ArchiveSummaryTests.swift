import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

/// Summaries computed on ingest, checked against the spec's golden vectors (§5.3, §10); the
/// store-level ones on both stores.
@Suite(.timeLimit(.minutes(2))) struct ArchiveSummaryTests {
    func stats(_ h: [String: Int64]) -> [String: JSONValue] {
        guard case .object(let o) = HistogramStatistics.compute(h) else { return [:] }
        return o
    }

    func number(_ v: JSONValue?) -> Double {
        if case .number(let d)? = v { return d }
        return .nan
    }

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test func esmondsOwnStatisticsVector() {
        let s = stats(["41.00": 98, "41.10": 98, "41.20": 3, "50.0": 1])
        #expect(close(number(s["mean"]), 41.097))
        #expect(close(number(s["median"]), 41.1))
        #expect(close(number(s["percentile-25"]), 41.0))
        #expect(close(number(s["percentile-75"]), 41.1))
        #expect(close(number(s["percentile-95"]), 41.1))
        #expect(number(s["minimum"]) == 41.0 && number(s["maximum"]) == 50.0)
        #expect(s["mode"] == .array([.number(41.0), .number(41.1)]))  // order is not significant
        #expect(close(number(s["variance"]), 0.401091))
        #expect(close(number(s["standard-deviation"]), 0.6333174559413313))
    }

    @Test func computedStatisticsVectors() {
        let merged = stats(["41.00": 196, "41.10": 100, "41.20": 3, "50.0": 1])
        #expect(close(number(merged["mean"]), 41.065333333333333))
        #expect(number(merged["median"]) == 41.0 && merged["mode"] == .array([.number(41.0)]))
        #expect(close(number(merged["variance"]), 0.2694648888888889))
        #expect(close(number(merged["standard-deviation"]), 0.5191000759862099))
        let two = stats(["1": 1, "2": 1])
        #expect(number(two["median"]) == 1.5 && number(two["percentile-25"]) == 1.0)
        #expect(number(two["percentile-75"]) == 2.0 && number(two["percentile-95"]) == 2.0)
        #expect(number(two["variance"]) == 0.25 && number(two["standard-deviation"]) == 0.5)
        let one = stats(["10": 1])
        for field in ["mean", "median", "minimum", "maximum", "percentile-25", "percentile-75", "percentile-95"] {
            #expect(number(one[field]) == 10.0, "\(field)")
        }
        #expect(number(one["variance"]) == 0.0)
        let rtt = stats(["0.33": 2, "0.42": 1])
        #expect(close(number(rtt["mean"]), 0.36))
        #expect(number(rtt["median"]) == 0.33 && number(rtt["percentile-25"]) == 0.33)
        #expect(number(rtt["percentile-75"]) == 0.42 && number(rtt["percentile-95"]) == 0.42)
    }

    @Test func nonNumericBucketsGiveEmptyStatistics() {
        #expect(HistogramStatistics.compute(["test": 100]) == .object([:]))
    }

    @Test func nistPercentileEdgeCasesFromEsmondsTests() {
        var a = NISTPercentile(percentile: 40, sampleSize: 1)
        a.find(cumulative: 1, bucket: 100)
        #expect(a.value == 100)
        var b = NISTPercentile(percentile: 95, sampleSize: 9)
        b.find(cumulative: 9, bucket: 101)
        #expect(b.value == 101)
        var c = NISTPercentile(percentile: 95, sampleSize: 10)
        c.find(cumulative: 4, bucket: 100)
        c.find(cumulative: 6, bucket: 101)
        #expect(close(c.value!, 100.45))
    }

    @Test func floatsAreTruncatedToFourDecimalsAndAveraged() async throws {
        #expect(try ArchiveValueValidator.normalise(.number(0.57), kind: .float) == .integer(5699))
        #expect(SummaryFolding.readBack(.integer(11299), kind: .float, type: .base) == .number(1.1299))
        var bin: JSONValue? = nil
        var sum: JSONValue? = nil
        for v in [0.001, 0.003, 0.002, 0.003, 0.001] {
            let stored = try ArchiveValueValidator.normalise(.number(v), kind: .float)
            bin = try SummaryFolding.fold(bin, adding: stored, kind: .float, type: .average)
            sum = try SummaryFolding.fold(sum, adding: stored, kind: .float, type: .aggregation)
        }
        #expect(SummaryFolding.readBack(bin!, kind: .float, type: .average) == .number(0.002))
        #expect(SummaryFolding.readBack(sum!, kind: .float, type: .aggregation) == .number(0.01))
    }

    @Test func packetLossRatesReadBackAsRatios() throws {
        let pairs: [(Int64, Int64, Double)] = [(4, 100, 0.04), (50, 200, 0.25), (1, 10, 0.1), (15, 40, 0.375)]
        for (n, d, expected) in pairs {
            let stored = try ArchiveValueValidator.normalise(
                .object(["numerator": .integer(n), "denominator": .integer(d)]), kind: .percentage)
            #expect(SummaryFolding.readBack(stored, kind: .percentage, type: .base) == .number(expected))
        }
    }

    /// esmond's test expects `{"41.00":98,"41.10":98,…}` here only because its batched Cassandra
    /// writes hid earlier points of the same request; Fathom gives the correct merge.
    @Test(arguments: ArchiveStoreKind.allCases) func histogramAggregationInOneBulkIsCorrectUnlikeEsmond(
        kind: ArchiveStoreKind
    ) async throws {
        try await kind.withStore { store, _ in try await histogramAggregationInOneBulk(store) }
    }

    func histogramAggregationInOneBulk(_ store: any ArchiveStore) async throws {
        let input = ArchiveMetadataInput(
            subjectType: .pointToPoint,
            subject: ["source": "10.0.0.1", "destination": "10.0.0.2", "measurement-agent": "10.0.0.1"],
            parameters: [:],
            eventTypes: [
                ArchiveEventTypeEntry(
                    eventType: "histogram-rtt",
                    summaries: [
                        ArchiveSummary(.aggregation, 86400), ArchiveSummary(.statistics, 86400),
                        ArchiveSummary(.statistics, 0),
                    ])
            ])
        let key = try await store.createOrGetMetadata(input).metadata.key
        let histograms: [JSONValue] = [
            .object(["41.00": .integer(98), "41.10": .integer(2)]),
            .object(["41.00": .integer(98), "41.10": .integer(2)]),
            .object(["41.10": .integer(96), "41.20": .integer(3), "50.0": .integer(1)]),
        ]
        let points = histograms.enumerated().map {
            ArchiveNewPoint(ts: 1_398_965_989 + Int64($0.offset) * 60, eventType: "histogram-rtt", value: $0.element)
        }
        #expect(try await store.addPoints(key: key, points: points) == nil)
        let aggregation = try await store.points(
            ArchiveSeriesQuery(
                key: key, eventType: "histogram-rtt", summary: ArchiveSummary(.aggregation, 86400), time: .unbounded))
        #expect(
            aggregation == [
                ArchivePoint(
                    ts: 1_398_902_400,
                    value: .object([
                        "41.00": .integer(196), "41.10": .integer(100), "41.20": .integer(3), "50.0": .integer(1),
                    ]))
            ])
        let daily = try await store.points(
            ArchiveSeriesQuery(
                key: key, eventType: "histogram-rtt", summary: ArchiveSummary(.statistics, 86400), time: .unbounded))
        #expect(close(number(daily.first?.value["mean"]), 41.065333333333333))
        let perPoint = try await store.points(
            ArchiveSeriesQuery(
                key: key, eventType: "histogram-rtt", summary: ArchiveSummary(.statistics, 0), time: .unbounded))
        #expect(perPoint.count == 3)
        #expect(perPoint.last?.value["median"] == .number(41.1))
    }
}
