import FathomAgent
import FathomShared
import Testing

/// iperf3's options in scheduled throughput tests: the `[[test]]` keys (pScheduler's names), the
/// spooled spec (pScheduler's hyphenated names) and the esmond mapping of omitted intervals.
@Suite(.timeLimit(.minutes(1))) struct ThroughputOptionsConfigTests {
    /// The options under pScheduler's names in a `[[test]]` table, and through the spool's spec
    /// (pScheduler's hyphenated names) unchanged.
    @Test func configAndSpoolCarryEveryOption() throws {
        let text = """
            [archive]
            token_file = "/t"

            [[test]]
            name = "bw"
            type = "throughput"
            dest = "ps2.example.net"
            repeat = "PT1H"
            duration = 5
            omit = "PT2S"
            window_size = "4M"
            buffer_length = "64K"
            zero_copy = true
            interval = 0.5
            bidirectional = true
            bytes = "100M"
            congestion = "bbr"
            dscp = "EF"
            mss = 1400
            no_delay = true
            ip_version = 6
            local_address = "::1"
            """
        let settings = try AgentSettingsFile.parse(text, fileName: "agent.toml")
        guard case .throughput(let p) = try #require(settings.tests.first).spec else {
            Issue.record("not a throughput test")
            return
        }
        #expect(
            p.omit == 2 && p.window == 4 << 20 && p.blockSize == 65536 && p.zeroCopy && p.interval == .milliseconds(500)
        )
        #expect(
            p.bidirectional && p.bytes == 100 << 20 && p.congestion == "bbr" && p.tos == 184 && p.mss == 1400
                && p.noDelay)
        #expect(p.ipVersion == 6 && p.localAddress == "::1")
        // The run takes the omitted seconds too.
        #expect(try #require(settings.tests.first).spec.expectedDurationSeconds == 2 + 5 + 5)
        let record = MeasurementRecord(
            runID: "0123456789abcdef0123456789abcdef", testName: "bw", sourceAddress: nil, destAddress: "::1",
            start: 1_795_410_000,
            outcome: .throughput(p, .failure("not run")))
        let payload = String(decoding: record.spoolPayload, as: UTF8.self)
        for key in [
            #""window-size":4194304"#, #""omit":"PT2S""#, #""zero-copy":true"#, #""ip-tos":184"#,
            #""local-address":"::1""#,
        ] {
            #expect(payload.contains(key), "\(payload)")
        }
        #expect(try MeasurementRecord(spoolPayload: record.spoolPayload) == record)
        let both = text + "\nip_tos = 32\n"
        #expect { _ = try AgentSettingsFile.parse(both, fileName: "a.toml") } throws: {
            "\($0)".contains("ip_tos and dscp")
        }
    }

    /// Omitted intervals stay in the result (marked) but not in esmond's subinterval series,
    /// whose times they would repeat.
    @Test func omittedIntervalsAreNotArchivedAsSubintervals() throws {
        let json = #"""
            {"succeeded":true,"diags":"","intervals":[
             {"streams":[],"summary":{"start":0,"end":1,"throughput-bits":8,"throughput-bytes":1,"omitted":true}},
             {"streams":[],"summary":{"start":0,"end":1,"throughput-bits":16,"throughput-bytes":2,"omitted":false}}],
             "summary":{"streams":[],"summary":{"start":0,"end":1,"throughput-bits":16,"throughput-bytes":2}}}
            """#
        var p = ThroughputParameters(dest: "ps2.example.net", duration: 1)
        p.omit = 1
        let record = MeasurementRecord(
            runID: "0123456789abcdef0123456789abcdef", testName: "t", sourceAddress: "10.0.0.1",
            destAddress: "10.0.0.2",
            start: 1_795_410_000, outcome: .throughput(p, try ThroughputResult.decode(json: json)))
        let text = JSONText.string(EsmondRecordMapping.map(record).data)
        #expect(text.contains(#""val":16"#) && !text.contains(#""val":8"#), "\(text)")
    }
}
