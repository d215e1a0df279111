import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

/// Seeded fuzzing of the parsers that read what a client or an operator hands the receiver (the
/// JSON and TOML parsers, the archive's request readers): mutated valid inputs give a value or a
/// thrown error, never a crash, a hang or a stack overflow.
@Suite struct ParserFuzzTests {
    static let jsonCorpus: [[UInt8]] = [
        #"{"ts":1700000000,"val":[{"event-type":"throughput","val":7016320000},{"event-type":"packet-loss-rate","val":0.5}]}"#,
        #"{"data":[{"ts":1700000000,"val":[{"event-type":"histogram-rtt","val":{"0.25":3,"1.5":7}}]}]}"#,
        #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"::1","measurement-agent":"10.0.0.1","tool-name":"pscheduler/iperf3","input-source":"a","input-destination":"b","time-duration":10,"event-types":[{"event-type":"throughput","summaries":[{"summary-type":"average","summary-window":"86400"}]},{"event-type":"failures"}]}"#,
        #"{"ts":1700000001,"val":[{"ttl":1,"ip":"10.0.0.1","rtt":0.3,"mtu":1500,"query":1,"success":1,"as":{"owner":"x","number":64512}}]}"#,
        #"{"ts":1700000002,"val":{"error":"unreachable \u00e9 \"quoted\""}}"#,
        #"[1, -2.5e-3, true, false, null, "s\n\t\\", [], {}, 1E+2, 0]"#,
    ].map { Array($0.utf8) }

    @Test(.timeLimit(.minutes(1)))
    func mutatedJSONParsesToAValueThatRoundTripsOrThrows() {
        let budget = FuzzBudget(target: "JSON", defaultIterations: 30_000)
        var mutator = InputMutator(seed: budget.seed, corpus: Self.jsonCorpus)
        var parsed = 0
        for i in 0..<budget.iterations {
            let input = mutator.next()
            guard let value = try? JSONText.parse(input) else { continue }
            parsed += 1
            // What the archive prints it must read back the same; compacting changes nothing.
            if (try? JSONText.parse(JSONText.bytes(value))) != value
                || (try? JSONText.parse(JSONText.compacted(input))) != value
            {
                Issue.record("printed or compacted document differs; \(budget.context(i, input))")
            }
        }
        #expect(parsed > budget.iterations / 50, "only \(parsed) of \(budget.iterations) parsed")
    }

    @Test(.timeLimit(.minutes(1)))
    func archiveRequestReadersGiveAPointOrA400ForMutatedBodies() {
        let budget = FuzzBudget(target: "archive requests", defaultIterations: 20_000)
        var mutator = InputMutator(seed: budget.seed, corpus: Self.jsonCorpus)
        let eventTypes = ["throughput", "packet-loss-rate", "histogram-rtt", "packet-trace", "failures",
                          "throughput-subintervals", "nonsense"]
        var readers = 0
        for _ in 0..<budget.iterations {
            let input = mutator.next()
            guard let body = try? ArchiveDataRequest.body(contentType: "application/json", bytes: input) else { continue }
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
        let values = ["0", "1700000000", "-1", "86400", "1125899906842623", "1125899906842624", "abc", "", "1e3",
                      "9223372036854775807", "-9223372036854775808", "v4v6", "v6", "only-v4", "throughput", " 5"]
        var mutator = InputMutator(seed: budget.seed, corpus: values.map { Array($0.utf8) })
        // source/destination/measurement-agent are left out: they are resolved through DNS (a
        // resolver that would answer "not found" stands by, and is never asked).
        let resolver = ArchiveHostResolver(
            timeout: .seconds(1), foundTTL: .seconds(1), notFoundTTL: .seconds(1), threads: 1, maxLookups: 1,
            lookup: { _ in ArchiveHostResolver.Answer(v4: nil, v6: nil) })
        let names = ["time", "time-start", "time-end", "time-range", "limit", "offset", "summary-window",
                     "dns-match-rule", "event-type", "tool-name", "format", "free-parameter"]
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

    static let tomlCorpus: [String] = [
        """
        listen = "0.0.0.0:8443"
        data_dir = "/var/lib/fathom/data"
        max_body_bytes = 67108864
        insecure_http = false
        [archive]
        db = "/var/lib/fathom/archive.sqlite"
        """,
        """
        [receiver]
        url = "https://receiver.example.org:8443"
        send_window = 280
        [sample]
        interval = 300
        exclude_commands = ["bash", "ssh", 'zsh', \"\"\"tmux\"\"\"]
        [[test]]
        type = "trace"
        dest = "10.0.0.2"
        repeat = "PT10M"
        slip = 1.5e2
        opts = { probe = "udp", first_ttl = 1, nested = { a = [1, [2, [3]]] } }
        """,
    ]

    @Test(.timeLimit(.minutes(1)))
    func mutatedTOMLParsesOrThrowsAndDeepNestingIsRefused() {
        let budget = FuzzBudget(target: "TOML", defaultIterations: 20_000)
        var mutator = InputMutator(seed: budget.seed, corpus: Self.tomlCorpus.map { Array($0.utf8) })
        var parsed = 0
        for _ in 0..<budget.iterations {
            if (try? TOMLTable.parse(String(decoding: mutator.next(), as: UTF8.self))) != nil { parsed += 1 }
        }
        #expect(parsed > 0)
        for open in ["[", "{a="] {
            #expect(throws: TOMLError.self) { try TOMLTable.parse("x = " + String(repeating: open, count: 100_000)) }
        }
    }
}
