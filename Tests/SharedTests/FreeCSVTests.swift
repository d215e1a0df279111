import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct FreeCSVTests {
    @Test func quotingFollowsSonar() {
        #expect(FreeCSV.field("gpus", "3,1,2,0") == "\"gpus=3,1,2,0\"")
        #expect(FreeCSV.field("cmd", "a\"b") == "\"cmd=a\"\"b\"")
        #expect(FreeCSV.field("cmd", "plain name") == "cmd=plain name")
        #expect(FreeCSV.field("cmd", "bad\nname\t") == "cmd=bad name ")
    }

    @Test func parseRoundTripsAndMatchesSpecExample() throws {
        let line =
            "v=0.13.200,time=2025-02-27T01:00:01+01:00,host=gpu-11.fox,user=ec-aae,cmd=ollama_llama_se,job=1350861,\"gpus=4,5,6,0\",rolledup=1"
        let fields = try FreeCSV.parse(line[...])
        #expect(fields.map(\.name) == ["v", "time", "host", "user", "cmd", "job", "gpus", "rolledup"])
        #expect(fields[6].value == "4,5,6,0")
        let odd: [(String, String)] = [("cmd", "we\"ird, (name)"), ("user", "x=y")]
        let back = try FreeCSV.parse(FreeCSV.line(odd)[...])
        #expect(
            back == [FreeCSVField(name: "cmd", value: "we\"ird, (name)"), FreeCSVField(name: "user", value: "x=y")])
    }

    @Test func parseErrors() {
        #expect(throws: FreeCSVError.emptyLine) { try FreeCSV.parse(""[...]) }
        #expect(throws: FreeCSVError.fieldWithoutEquals(field: "b")) { try FreeCSV.parse("a=1,b"[...]) }
        #expect(throws: FreeCSVError.bareQuote(column: 4)) { try FreeCSV.parse("a=1\""[...]) }
        #expect(throws: FreeCSVError.textAfterQuote(column: 6)) { try FreeCSV.parse("\"a=1\"x"[...]) }
        #expect(throws: FreeCSVError.fieldWithoutEquals(field: "")) { try FreeCSV.parse("a=1,"[...]) }
    }

    @Test func threePlaces() {
        #expect(FreeCSV.number(675) == "675")
        #expect(FreeCSV.number(105.2) == "105.2")
        #expect(FreeCSV.number(0.12345) == "0.123")
        #expect(FreeCSV.number(2.0005) == "2.001")
        #expect(FreeCSV.number(0.05) == "0.05")
        #expect(FreeCSV.number(-1.5) == "-1.5")
    }

    @Test func timestamps() {
        #expect(SonarTimestamp.format(epochSeconds: 0, utcOffsetSeconds: 3600) == "1970-01-01T01:00:00+01:00")
        #expect(
            SonarTimestamp.format(epochSeconds: 1_700_000_000, utcOffsetSeconds: -5 * 3600 - 1800)
                == "2023-11-14T16:43:20-05:30")
        let p = SonarTimestamp.parse("2023-11-15T00:00:03+01:00")!
        #expect(p.epochSeconds == 1_700_002_803 && p.utcOffsetSeconds == 3600)
        #expect(SonarTimestamp.utcDate(epochSeconds: p.epochSeconds) == (2023, 11, 14))
        #expect(SonarTimestamp.parse("2024-02-29T23:59:59.123456789Z")!.epochSeconds == 1_709_251_199)
        for bad in [
            "2023-02-29T00:00:00Z", "2023-11-15 00:00:03+01:00", "2023-11-15T00:00:03+0100", "2023-11-15T24:00:00Z",
            "2023-11-15T00:00:03", "",
        ] {
            #expect(SonarTimestamp.parse(bad[...]) == nil, "\(bad)")
        }
        // Round trip over a range of instants and offsets.
        for t in stride(from: Int64(-86_400 * 400), to: 86_400 * 365 * 60, by: 86_400 * 37 + 3_601) {
            for off in [-36_000, 0, 19_800] {
                let s = SonarTimestamp.format(epochSeconds: t, utcOffsetSeconds: off)
                #expect(SonarTimestamp.parse(s[...])! == (t, off))
            }
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct FreeCSVScannerTests {
    let scanner = FreeCSVScanner(names: ["host", "time", "gpus"])

    /// The scanner must accept and refuse exactly what `FreeCSV.parse` does, and find the same values.
    @Test(arguments: [
        "v=1,time=t,host=h", "host=a,host=b", "\"gpus=1,2\",host=\"\"\"q\"", "v=1,\"host=x\"\"y\"", "a=1,", "a=1,b",
        "a=1\"",
        "\"a=1\"x", "\"a=1", "", "x=", "=v", "host==h,time=,,", "cmd=a b,host=é",
    ])
    func agreesWithParse(line: String) {
        let parsed = Result { try FreeCSV.parse(line[...]) }
        let scanned = Result { try scanner.scan(Array(line.utf8)[...]) }
        switch (parsed, scanned) {
        case (.success(let fields), .success(let values)):
            for (k, name) in ["host", "time", "gpus"].enumerated() {
                #expect(values[k] == fields.first { $0.name == name }?.value, "\(name) in \(line)")
            }
        case (.failure(let a), .failure(let b)):
            #expect("\(a)" == "\(b)", "same error for \(line)")
        default:
            Issue.record("parse and scan disagree on \(line): \(parsed) vs \(scanned)")
        }
    }
}
