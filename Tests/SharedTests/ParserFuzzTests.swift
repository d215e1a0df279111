import FathomShared
import FathomTestSupport
import Testing

/// Seeded fuzzing of the JSON and TOML parsers (what a client or an operator hands the daemons):
/// mutated valid inputs give a value or a thrown error, never a crash, a hang or a stack overflow.
@Suite struct ParserFuzzTests {
    @Test(.timeLimit(.minutes(1)))
    func mutatedJSONParsesToAValueThatRoundTripsOrThrows() {
        let budget = FuzzBudget(target: "JSON", defaultIterations: 30_000)
        var mutator = InputMutator(seed: budget.seed, corpus: ArchiveJSONCorpus.documents)
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
