import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

/// Seeded fuzzing of the archive's request readers (bodies and query parameters): mutated valid
/// inputs give a value or a 400, never a crash, a hang or a stack overflow. The JSON and TOML
/// parsers underneath are fuzzed in SharedTests.
@Suite struct ArchiveRequestFuzzTests {
    @Test(.timeLimit(.minutes(1)))
    func archiveRequestReadersGiveAPointOrA400ForMutatedBodies() {
        let budget = FuzzBudget(target: "archive requests", defaultIterations: 20_000)
        var mutator = InputMutator(seed: budget.seed, corpus: ArchiveJSONCorpus.documents)
        let eventTypes = [
            "throughput", "packet-loss-rate", "histogram-rtt", "packet-trace", "failures",
            "throughput-subintervals", "nonsense",
        ]
        var readers = 0
        for _ in 0..<budget.iterations {
            let input = mutator.next()
            guard let body = try? ArchiveDataRequest.body(contentType: "application/json", bytes: input) else {
                continue
            }
            readers += 1
            _ = try? ArchiveDataRequest.bulk(body)
            _ = try? ArchiveDataRequest.point(body, eventType: eventTypes.randomElement(using: &mutator.rng)!)
            _ = try? ArchiveMetadataRequest.parse(body)
            if case .object(let fields) = body, let val = fields["val"] {
                for eventType in eventTypes {
                    _ = try? ArchiveDataRequest.validated(eventType: eventType, ts: 1, val)
                }
            }
        }
        #expect(readers > budget.iterations / 50, "only \(readers) of \(budget.iterations) bodies parsed")
    }

    @Test(.timeLimit(.minutes(1)))
    func archiveQueryParametersGiveAFilterOrA400ForMutatedValues() async {
        let budget = FuzzBudget(target: "archive query", defaultIterations: 20_000)
        let values = [
            "0", "1700000000", "-1", "86400", "1125899906842623", "1125899906842624", "abc", "", "1e3",
            "9223372036854775807", "-9223372036854775808", "v4v6", "v6", "only-v4", "throughput", " 5",
        ]
        var mutator = InputMutator(seed: budget.seed, corpus: values.map { Array($0.utf8) })
        // source/destination/measurement-agent are left out: they are resolved through DNS (a
        // resolver that would answer "not found" stands by, and is never asked).
        let resolver = ArchiveHostResolver(
            timeout: .seconds(1), foundTTL: .seconds(1), notFoundTTL: .seconds(1), threads: 1, maxLookups: 1,
            lookup: { _ in ArchiveHostResolver.Answer(v4: nil, v6: nil) })
        let names = [
            "time", "time-start", "time-end", "time-range", "limit", "offset", "summary-window",
            "dns-match-rule", "event-type", "tool-name", "format", "free-parameter",
        ]
        for _ in 0..<budget.iterations {
            var pairs: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &mutator.rng) {
                pairs[names.randomElement(using: &mutator.rng)!] = String(decoding: mutator.next(), as: UTF8.self)
            }
            let query = ArchiveQueryParameters(pairs)
            _ = try? await query.metadataFilter(resolver: resolver)
            _ = try? query.timeRange(now: 1_700_000_000)
            let paging = query.paging()
            #expect(paging.limit > 0 && paging.limit <= 100_000 && paging.offset >= 0, "\(pairs)")
        }
    }

    @Test func mostNegativeTimeParameterIsA400NotATrap() {
        // Found by the query fuzzing: abs(Int64.min) trapped on `?time=-9223372036854775808`.
        for name in ["time", "time-start", "time-end", "time-range"] {
            let query = ArchiveQueryParameters([name: "-9223372036854775808"])
            #expect(throws: ArchiveHTTPError.self) { try query.timeRange(now: 1_700_000_000) }
        }
    }
}
