import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

/// Seeded fuzzing of the upload validators (issue 9's proof): mutated valid uploads must give a
/// value or an ``UploadRejection``, never a crash or a hang, and whatever is accepted must keep the
/// storage invariants: exactly the non-blank lines are stored, each ending in `\n`, in their order
/// per file, under `<cluster>/YYYY/MM/DD/` with every path component at most 255 bytes.
@Suite struct IngestFuzzTests {
    let fox = StorageName("fox")!
    let validator = SonarUploadValidator(maxLineBytes: 4096)

    static let csvCorpus: [[UInt8]] = [
        "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=python,job=77,pid=4242,cpu%=99.5\n"
            + "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=bob,cmd=\"a,b\",\"gpus=0,1\",gpufail=1\n",
        "v=0.12.2,time=2026-11-25T00:30:00+01:00,host=c2.fox.example.org,user=_sonar_,cmd=_heartbeat_\r\n\r\n  \n"
            + "v=0.12.2,time=2026-11-25T10:00:00Z,host=c3,user=u,cmd=caf\u{E9}\u{1F600}\n",
        "v=0.7.0,time=1970-01-01T00:00:00Z,host=\(String(repeating: "h", count: 251)),user=u,cmd=x\n"
            + "v=0.7.0,time=9999-12-31T23:59:59Z,host=edge,user=u,cmd=\"say \"\"hi\"\"\"\n",
        "v=1,time=2023-11-15T00:00:03+01:00,host=a\nv=1,time=2023-11-15T12:00:00.5-05:30,host=b\nv=1,time=2024-02-29T23:59:59z,host=a",
    ].map { Array($0.utf8) }

    static let sysinfoCorpus: [[UInt8]] = [
        #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","description":"1x2 AMD EPYC","cpu_cores":2,"mem_gb":24,"gpu_cards":0}"#,
        "{\n  \"timestamp\" : \"2026-11-23T06:39:22+01:00\",\n  \"hostname\" : \"gpu-1.fox\",\n  \"cards\" : [ { \"index\" : 0, "
            + "\"model\" : \"A100 \\\"SXM\\\"\", \"mem\" : 4.0e1 } ],\n  \"x\" : null, \"y\" : [true, false, -0.5]\n}\n",
        #"{"timestamp":"1970-01-01T00:00:00Z","hostname":"\#(String(repeating: "s", count: 242))","n":1}"#,
        #"{"hostname":"vm","timestamp":"9999-12-31T23:59:59Z","s":"\u00e9\ud83d\ude00\n"}"#,
    ].map { Array($0.utf8) }

    @Test(.timeLimit(.minutes(1)))
    func mutatedFreeCSVUploadsAreAcceptedWithTheirLinesOrRefusedNeverCrash() {
        let budget = FuzzBudget(target: "free-CSV", defaultIterations: 30_000)
        var mutator = InputMutator(seed: budget.seed, corpus: Self.csvCorpus)
        var accepted = 0
        for i in 0..<budget.iterations {
            let input = mutator.next()
            guard let appends = try? validator.freeCSV(input, cluster: fox) else { continue }
            accepted += 1
            if let broken = Self.freeCSVInvariantBroken(input: input, appends: appends) {
                Issue.record("\(broken); \(budget.context(i, input))")
            }
        }
        // A fuzzer that never gets past the first check tests nothing.
        #expect(accepted > budget.iterations / 50, "only \(accepted) of \(budget.iterations) accepted")
    }

    @Test(.timeLimit(.minutes(1)))
    func mutatedSysinfoUploadsAreStoredAsOneEquivalentLineOrRefusedNeverCrash() throws {
        let budget = FuzzBudget(target: "sysinfo", defaultIterations: 20_000)
        var mutator = InputMutator(seed: budget.seed, corpus: Self.sysinfoCorpus)
        var accepted = 0
        for i in 0..<budget.iterations {
            let input = mutator.next()
            guard let appends = try? validator.sysinfo(input, cluster: fox) else { continue }
            accepted += 1
            let stored = appends.first?.bytes ?? []
            let original = try? JSONText.parse(input)
            let reparsed = try? JSONText.parse(Array(stored.dropLast()))
            if appends.count != 1 || stored.last != UInt8(ascii: "\n") || stored.dropLast().contains(UInt8(ascii: "\n"))
                || reparsed == nil || reparsed != original
                || !Self.isDayFilePath(appends[0].relativePath, cluster: "fox", prefix: "sysinfo-", suffix: ".json")
            {
                Issue.record("stored sysinfo is not one equivalent line; \(budget.context(i, input))")
            }
        }
        #expect(accepted > budget.iterations / 50, "only \(accepted) of \(budget.iterations) accepted")
    }

    /// Nil when `appends` holds exactly the non-blank lines of `input` (CRLF ends cut), each ending
    /// in `\n`, in input order within each file, at well-formed paths; else what is wrong.
    static func freeCSVInvariantBroken(input: [UInt8], appends: [FileAppend]) -> String? {
        var expected: [ArraySlice<UInt8>] = []
        for var line in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            expected.append(line)
        }
        var files: [[ArraySlice<UInt8>]] = []
        for append in appends {
            guard isDayFilePath(append.relativePath, cluster: "fox", prefix: "", suffix: ".csv") else {
                return "bad path \(append.relativePath.prefix(300))"
            }
            guard append.bytes.last == UInt8(ascii: "\n") else { return "a file's bytes do not end in a newline" }
            var lines = append.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines {
                if line.contains(0) || line.contains(UInt8(ascii: "\r")) || UTF8Check.firstInvalidOffset(line) != nil {
                    return "a stored line holds NUL, CR or invalid UTF-8"
                }
            }
            files.append(lines)
        }
        // Identical lines have the same host and time, hence the same file: the first file whose
        // next line matches is the only one that can.
        var next = [Int](repeating: 0, count: files.count)
        for line in expected {
            guard let k = files.indices.first(where: { next[$0] < files[$0].count && files[$0][next[$0]] == line })
            else {
                return "line \(String(decoding: line.prefix(80), as: UTF8.self)) is missing or out of order"
            }
            next[k] += 1
        }
        guard next.indices.allSatisfy({ next[$0] == files[$0].count }) else { return "a stored line was never sent" }
        return nil
    }

    /// `<cluster>/YYYY/MM/DD/<prefix><name><suffix>`: four-digit year from 1970, two-digit month
    /// and day, no `.`/`..` or empty component, none over 255 bytes.
    static func isDayFilePath(_ path: String, cluster: String, prefix: String, suffix: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        func digits(_ s: Substring, _ n: Int) -> Int? { s.count == n && s.allSatisfy(\.isASCII) ? Int(s) : nil }
        guard parts.count == 5, parts[0] == cluster, let year = digits(parts[1], 4), year >= 1970,
            let month = digits(parts[2], 2), (1...12).contains(month), let day = digits(parts[3], 2),
            (1...31).contains(day), parts[4].hasPrefix(prefix), parts[4].hasSuffix(suffix),
            parts[4].count > prefix.count + suffix.count
        else { return false }
        return parts.allSatisfy { $0.utf8.count <= 255 && $0 != "." && $0 != ".." && !$0.isEmpty }
    }
}
