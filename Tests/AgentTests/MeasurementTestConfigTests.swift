import FathomAgent
import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct MeasurementTestConfigTests {
    static let config = """
        [receiver]
        url = "https://receiver.example.org:8443"
        cluster = "ps"

        [archive]
        token_file = "/etc/fathom/archive-token"

        [responder]
        enabled = true
        port = 5202

        [[test]]
        name = "trace-ps2"
        type = "trace"
        dest = "ps2.example.net"
        repeat = "PT1H"
        slip = "PT30M"
        hops = 20
        queries = 1
        wait = 2

        [[test]]
        name = "bw-ps2"
        type = "throughput"
        dest = "ps2.example.net"
        repeat = 14400
        slip = "PT4H"
        duration = 20
        parallel = 4
        reverse = true

        [[test]]
        name = "udp-ps2"
        type = "throughput"
        dest = "ps2.example.net"
        repeat = "P1D"
        udp = true
        bandwidth = "100M"

        [[test]]
        name = "rtt-ps2"
        type = "rtt"
        dest = "ps2.example.net"
        repeat = "PT5M"
        count = 10
        interval = "PT0.5S"
        length = 100
        ttl = 32
        timeout = 2
        """

    @Test func testsResponderAndArchiveAreRead() throws {
        let s = try AgentSettingsFile.parse(Self.config, fileName: "agent.toml")
        #expect(s.archiveTokenFile == "/etc/fathom/archive-token")
        #expect(s.responderEnabled && s.responderPort == 5202)
        #expect(s.tests.map(\.name) == ["trace-ps2", "bw-ps2", "udp-ps2", "rtt-ps2"])
        let trace = s.tests[0]
        #expect(trace.repeatSeconds == 3600 && trace.slipSeconds == 1800)
        var expected = TraceParameters(dest: "ps2.example.net", hops: 20, queries: 1, wait: .seconds(2))
        expected.hostnames = true
        expected.asNumbers = true
        #expect(trace.spec == .trace(expected))
        let bw = s.tests[1]
        #expect(bw.repeatSeconds == 14400 && bw.slipSeconds == 14400)
        #expect(
            bw.spec
                == .throughput(ThroughputParameters(dest: "ps2.example.net", reverse: true, parallel: 4, duration: 20)))
        #expect(bw.schedule.effectiveSlipSeconds == 14400 - 25, "slip cut to repeat − (duration + 5 s allowance)")
        let udp = s.tests[2]
        #expect(udp.repeatSeconds == 86400 && udp.slipSeconds == 0)
        #expect(
            udp.spec == .throughput(ThroughputParameters(dest: "ps2.example.net", udp: true, bandwidth: 100_000_000)))
        let rtt = s.tests[3]
        #expect(
            rtt.spec
                == .rtt(
                    RTTParameters(
                        dest: "ps2.example.net", count: 10, interval: .milliseconds(500), length: 100, ttl: 32,
                        timeout: .seconds(2))))
        #expect(
            !rtt.spec.isExclusive && rtt.spec.expectedDurationSeconds == 4 + 2 + 2,
            "9 intervals of 0.5 s, 2 s wait, 2 s allowance (rounded down)")
    }

    @Test(arguments: [
        (
            "name = \"a\"\ntype = \"trace\"\ndest = \"x\"\nrepeat = 60\nparallel = 2",
            "unknown config key 'test[0].parallel'"
        ),
        ("name = \"a\"\ntype = \"ping\"\ndest = \"x\"\nrepeat = 60", "test 'a': unknown type 'ping'"),
        ("name = \"a\"\ntype = \"trace\"\nrepeat = 60", "test 'a': no dest"),
        ("name = \"a\"\ntype = \"trace\"\ndest = \"x\"", "test 'a': no repeat interval"),
        ("name = \"a\"\ntype = \"trace\"\ndest = \"x\"\nrepeat = \"hourly\"", "ISO 8601 duration"),
        ("name = \"a\"\ntype = \"trace\"\ndest = \"x\"\nrepeat = 60\nhops = 300", "test 'a': invalid parameter: hops"),
        (
            "name = \"a\"\ntype = \"throughput\"\ndest = \"x\"\nrepeat = 60\nparallel = 200",
            "test 'a': invalid parameter: parallel 200"
        ),
        (
            "name = \"a\"\ntype = \"throughput\"\ndest = \"x\"\nrepeat = 60\nbandwidth = \"fast\"",
            "test 'a': bandwidth must be"
        ),
        ("type = \"trace\"\ndest = \"x\"\nrepeat = 60", "test #1 has no name"),
        ("name = \"a\"\ntype = \"rtt\"\ndest = \"x\"\nrepeat = 60\nhops = 3", "unknown config key 'test[0].hops'"),
        ("name = \"a\"\ntype = \"rtt\"\ndest = \"x\"\nrepeat = 60\nttl = 300", "test 'a': invalid parameter: ttl"),
        (
            "name = \"a\"\ntype = \"rtt\"\ndest = \"x\"\nrepeat = 60\ninterval = \"often\"",
            "ISO 8601 duration like PT0.5S"
        ),
        (
            "name = \"a\"\ntype = \"trace\"\ndest = \"x\"\nrepeat = 60\nprobe_type = \"tcp\"",
            "probe-type must be udp or icmp"
        ),
    ])
    func badTestsAreNamed(body: String, message: String) {
        let text = "[archive]\ntoken_file = \"/t\"\n\n[[test]]\n" + body + "\n"
        #expect {
            _ = try AgentSettingsFile.parse(text, fileName: "agent.toml")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func duplicateNamesAndAMissingTokenAreRefused() {
        let one = "[[test]]\nname = \"a\"\ntype = \"trace\"\ndest = \"x\"\nrepeat = 60\n"
        #expect {
            _ = try AgentSettingsFile.parse("[archive]\ntoken_file = \"/t\"\n" + one + one, fileName: "a.toml")
        } throws: {
            "\($0)".contains("test name 'a' is used twice")
        }
        #expect { _ = try AgentSettingsFile.parse(one, fileName: "a.toml") } throws: {
            "\($0)".contains("archive.token_file is not set")
        }
        #expect { _ = try AgentSettingsFile.parse("[responder]\nport = 70000\n", fileName: "a.toml") } throws: {
            "\($0)".contains("responder.port")
        }
    }
}
