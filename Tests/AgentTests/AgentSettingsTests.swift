import FathomAgent
import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct AgentSettingsTests {
    @Test func fullConfigFile() throws {
        let s = try AgentSettingsFile.parse(
            """
            [receiver]
            url = "https://receiver.example.org:8443"
            cluster = "fox.example.org"
            password_file = "/etc/fathom/agent-password"
            ca_file = "/etc/fathom/ca.pem"
            client_certificate = "/etc/fathom/agent.pem"
            client_key = "/etc/fathom/agent.key"
            send_window = 280

            [spool]
            dir = "/srv/spool"
            max_mb = 64

            [sample]
            interval = 300
            rollup = true
            min_cpu_time = 60
            exclude_system_jobs = true
            exclude_commands = ["bash", "ssh"]

            [sysinfo]
            interval = 3600
            """, fileName: "agent.toml")
        #expect(s.receiverURLs == ["https://receiver.example.org:8443"])
        #expect(s.cluster == "fox.example.org" && s.caFile == "/etc/fathom/ca.pem")
        #expect(s.clientCertificateFile == "/etc/fathom/agent.pem" && s.clientKeyFile == "/etc/fathom/agent.key")
        #expect(s.sendWindowSeconds == 280 && s.spoolDirectory == "/srv/spool" && s.spoolMaxMB == 64)
        #expect(s.intervalSeconds == 300 && s.sysinfoIntervalSeconds == 3600)
        #expect(
            s.sample
                == SampleOptions(
                    rollup: true, minCPUTimeSeconds: 60, excludeSystemJobs: true, excludeCommands: ["bash", "ssh"]))
    }

    @Test(arguments: [
        ("[receiver]\nurl = 5", "must be a URL or a list of URLs"),
        ("[receiver]\nsend_window = -1", "must not be negative"),
        ("[sample]\nrollup = true\nbatchless = true", "mutually exclusive"),
        ("[sample]\nintervall = 5", "unknown config key 'sample.intervall'"),
        ("[spool]\nmax_mb = 0", "must be positive"),
        ("[receiver\nurl = 1", "agent.toml"),
    ])
    func badConfigsSayWhy(text: String, expected: String) {
        #expect {
            _ = try AgentSettingsFile.parse(text, fileName: "agent.toml")
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func endpointChecksSchemeAndReadsPassword() throws {
        var s = AgentSettings()
        s.receiverURLs = ["http://127.0.0.1:1"]
        s.cluster = "fox"
        s.passwordFile = "/nonexistent/password"
        #expect(throws: ConfigError.self) { try s.endpoints() }
        let e = ReceiverEndpoint(baseURL: "http://x", cluster: "fox", user: "fox", password: "p")
        #expect(e.validationError() != nil, "plain HTTP needs insecure_http")
        #expect(
            ReceiverEndpoint(baseURL: "ftp://x", cluster: "fox", user: "fox", password: "p").validationError() != nil)
        #expect(
            ReceiverEndpoint(baseURL: "https://x/", cluster: "a b&c", user: "u", password: "p").url(path: "/sysinfo")
                == "https://x/sysinfo?cluster=a%20b%26c")
    }

    @Test func scheduleAlignsToWallClockMultiples() {
        let five = SampleSchedule(intervalSeconds: 300)
        #expect(five.nextTick(after: 1_700_000_000) == 1_700_000_100)
        #expect(five.nextTick(after: 1_700_000_100) == 1_700_000_400, "strictly after an exact tick")
        #expect(five.nextTick(after: 1_700_000_100.5) == 1_700_000_400)
        #expect(SampleSchedule(intervalSeconds: 1).nextTick(after: 10.2) == 11)
    }
}
