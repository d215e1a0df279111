import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Logging
import Testing

/// Scheduled-test results through the durable spool to a real receiver's esmond archive, over
/// TLS with the agent's API token: in-process delivery (bad token, outage, replay), and the real
/// `fathom-agent run` daemon with `[[test]]` tables, a real `iperf3 -s` and its own responder.
/// The delivery checks run twice: with the archive in SQLite and in the PostgreSQL store.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MeasurementArchiveTests {
    let logger = Logger(label: "measurement-archive-test")

    func archive(_ f: ReceiverFixture, http: AgentHTTPClient, token: String = ReceiverFixture.archiveToken) throws
        -> EsmondArchiveClient
    {
        try EsmondArchiveClient(baseURL: f.receiver.baseURL, token: token, http: http, timeoutSeconds: 10)
    }

    /// The agent's two uploaders over one HTTP client, as the agent has them: `client` for samples
    /// (cluster `fox`), and `http` for an ``archive(_:http:token:)`` client.
    func uploaders(_ f: ReceiverFixture) throws -> (http: AgentHTTPClient, client: ReceiverClient) {
        let http = try AgentHTTPClient(caFile: f.pki.caCertificate)
        let client = try ReceiverClient(
            endpoint: ReceiverEndpoint(
                baseURL: f.receiver.baseURL, cluster: "fox", user: "fox", password: "fox-secret"), http: http)
        return (http, client)
    }

    /// One delivery run over `spool`: samples through `client`, measurement records to `archive`.
    func deliver(
        _ spool: SpoolDirectory, _ client: ReceiverClient, _ archive: EsmondArchiveClient, maxAttempts: Int
    ) async -> SpoolDelivery.Outcome {
        await SpoolDelivery(spool: spool, client: client, archive: archive, logger: logger).drain(
            maxAttempts: maxAttempts)
    }

    /// GET an archive URL and parse the JSON reply.
    func get(_ f: ReceiverFixture, _ pathAndQuery: String) async throws -> JSONValue {
        let reply = try await f.client.send(f.receiver.baseURL + pathAndQuery, method: .GET, contentType: nil)
        #expect(reply.status == 200, "GET \(pathAndQuery): \(reply.status) \(reply.body)")
        return try JSONText.parse(Array(reply.body.utf8))
    }

    /// The base points of `eventType` for every metadata that has it.
    func points(_ f: ReceiverFixture, eventType: String) async throws -> [JSONValue] {
        guard case .array(let metadata) = try await get(f, "/esmond/perfsonar/archive/?event-type=\(eventType)") else {
            return []
        }
        var out: [JSONValue] = []
        for entry in metadata {
            guard case .string(let key)? = entry["metadata-key"] else { continue }
            if case .array(let list) = try await get(
                f, "/esmond/perfsonar/archive/\(key)/\(eventType)/base?time-range=864000")
            {
                out += list
            }
        }
        return out
    }

    func traceToLoopback() throws -> MeasurementTest {
        MeasurementTest(
            name: "trace-lo",
            spec: .trace(try TraceParameters(dest: "127.0.0.1", hops: 4, queries: 1, wait: .seconds(1)).validated()),
            repeatSeconds: 60)
    }

    @Test(arguments: ReceiverStoreKind.allCases) func recordsWaitOutABadTokenAndAnOutageThenArriveOnce(
        store: ReceiverStoreKind
    ) async throws {
        guard let f = try await store.fixture(archive: true) else { return }
        defer { f.close() }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        let record = await ProbeMeasurementRunner().run(
            try traceToLoopback(), start: Int64(Date().timeIntervalSince1970))
        #expect(record.succeeded, "\(record.outcome)")
        #expect(record.sourceAddress == "127.0.0.1" && record.destAddress == "127.0.0.1")
        try spool.append(kind: MeasurementRecord.spoolKind, payload: record.spoolPayload, recordCount: 1)
        try spool.append(kind: UploadKind.samples.rawValue, payload: Array((sampleLine() + "\n").utf8), recordCount: 1)
        let (http, client) = try uploaders(f)

        // A wrong token is the operator's to fix: the record stays, and samples still go out.
        let wrong = try archive(f, http: http, token: "not-the-token")
        var outcome = await deliver(spool, client, wrong, maxAttempts: 1)
        #expect(outcome.delivered == 1 && outcome.remaining == 1 && outcome.quarantined == 0, "\(outcome)")
        #expect(outcome.lastError?.contains("401") == true, "\(outcome.lastError ?? "")")

        // Receiver down: nothing lost.
        let port = f.receiver.port
        await f.receiver.stop()
        let right = try archive(f, http: http)
        outcome = await deliver(spool, client, right, maxAttempts: 1)
        #expect(outcome.delivered == 0 && outcome.remaining == 1)

        // Back up on the same port: delivered, then a replay of the same record stores nothing twice.
        let again = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"), port: port,
            extra: f.archiveFlags)
        defer { again.stopLater(thenRemove: f.dir) }
        let up = try archive(f, http: http)
        outcome = await deliver(spool, client, up, maxAttempts: 3)
        #expect(outcome.delivered == 1 && outcome.remaining == 0, "\(outcome)")
        try spool.append(kind: MeasurementRecord.spoolKind, payload: record.spoolPayload, recordCount: 1)
        outcome = await deliver(spool, client, up, maxAttempts: 3)
        #expect(
            outcome.delivered == 1 && outcome.remaining == 0,
            "a resend after a lost acknowledgement is acknowledged: \(outcome)")

        let traces = try await points(f, eventType: "packet-trace")
        #expect(traces.count == 1, "one run, one point: \(traces)")
        #expect(traces.first?["ts"]?.integerValue == record.start)
        guard case .array(let hops)? = traces.first?["val"] else {
            Issue.record("no hops in \(traces)")
            return
        }
        #expect(hops.first?["ip"] == .string("127.0.0.1"))
        #expect(hops.first?["success"]?.integerValue == 1)
        #expect(hops.first?["rtt"]?.doubleValue.map { $0 > 0 && $0 < 1000 } == true, "rtt in milliseconds")
        guard case .array(let metadata) = try await get(f, "/esmond/perfsonar/archive/?event-type=packet-trace") else {
            return
        }
        #expect(metadata.count == 1)
        #expect(metadata.first?["tool-name"] == .string("pscheduler/tracepath"))
        #expect(metadata.first?["source"] == .string("127.0.0.1"))
        #expect(metadata.first?["input-destination"] == .string("127.0.0.1"))
        try await http.shutdown()
    }

    @Test(arguments: ReceiverStoreKind.allCases) func integerEventTypesReadBackAsJSONIntegers(
        store: ReceiverStoreKind
    ) async throws {
        guard let f = try await store.fixture(archive: true) else { return }
        defer { f.close() }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        // Now: `points` reads the last ten days.
        let now = Int64(Date().timeIntervalSince1970)
        func record(_ name: String, _ dest: String, _ outcome: MeasurementOutcome) -> MeasurementRecord {
            MeasurementRecord(
                runID: RandomHexID.make(), testName: name, sourceAddress: "10.0.0.1", destAddress: dest, start: now,
                outcome: outcome)
        }
        let tcp = try ThroughputResult.decode(
            json: """
                {"succeeded":true,"diags":"","intervals":[],"summary":{"streams":[],"summary":{"start":0,"end":10,
                 "throughput-bits":9200000000.75,"throughput-bytes":11500000000,"retransmits":12}}}
                """)
        let udp = try ThroughputResult.decode(
            json: """
                {"succeeded":true,"diags":"","intervals":[],"summary":{"streams":[],"summary":{"start":0,"end":5,
                 "throughput-bits":99973876.98,"throughput-bytes":62000000,"sent":600,"lost":3,"jitter":0.01}}}
                """)
        let hops = [TraceHop(ip: "10.0.0.2", rtt: .microseconds(200), mtu: 65535)]
        let records = [
            record("bw-tcp", "10.0.0.2", .throughput(try ThroughputParameters(dest: "10.0.0.2").validated(), tcp)),
            record(
                "bw-udp", "10.0.0.3",
                .throughput(try ThroughputParameters(dest: "10.0.0.3", udp: true).validated(), udp)),
            record(
                "trace", "10.0.0.2",
                .trace(try TraceParameters(dest: "10.0.0.2").validated(), TraceResult(paths: [hops]))),
        ]
        for r in records {
            try spool.append(kind: MeasurementRecord.spoolKind, payload: r.spoolPayload, recordCount: 1)
        }
        let (http, client) = try uploaders(f)
        let outcome = await deliver(spool, client, try archive(f, http: http), maxAttempts: 3)
        #expect(outcome.delivered == 3 && outcome.remaining == 0, "\(outcome)")
        let expected: [(String, [Int64])] = [
            ("throughput", [9_200_000_000, 99_973_876]), ("packet-retransmits", [12]), ("path-mtu", [65535]),
            ("packet-count-sent", [600]), ("packet-count-lost", [3]),
        ]
        for (eventType, values) in expected {
            let read = try await points(f, eventType: eventType).compactMap { $0["val"] }
            // `.integer` only for JSON integer text: `12.0` would parse as `.number`.
            #expect(
                read.sorted { ($0.integerValue ?? 0) < ($1.integerValue ?? 0) } == values.sorted().map { .integer($0) },
                "\(eventType) reads back as JSON integers: \(read)")
        }
        try await http.shutdown()
    }

    /// A real rtt run to loopback, and one that cannot resolve, through the spool into the
    /// archive: read back under pScheduler's rtt event types, counts as JSON integers, RTTs as a
    /// millisecond histogram, the failure as `failures`.
    @Test(arguments: ReceiverStoreKind.allCases) func rttRunsArriveUnderPSchedulersRTTEventTypes(
        store: ReceiverStoreKind
    ) async throws {
        guard let f = try await store.fixture(archive: true) else { return }
        defer { f.close() }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        let now = Int64(Date().timeIntervalSince1970)
        let parameters = try RTTParameters(dest: "127.0.0.1", count: 4, interval: .milliseconds(100)).validated()
        let test = MeasurementTest(name: "rtt-lo", spec: .rtt(parameters), repeatSeconds: 60)
        let record = await ProbeMeasurementRunner().run(test, start: now)
        guard case .rtt(_, let result) = record.outcome else {
            Issue.record("an rtt test gave \(record.outcome)")
            return
        }
        #expect(result.succeeded && result.sent == 4 && result.received == 4, "\(result)")
        #expect(record.sourceAddress == "127.0.0.1" && record.destAddress == "127.0.0.1")
        let failing = MeasurementTest(
            name: "rtt-nowhere", spec: .rtt(try RTTParameters(dest: "nowhere.invalid", count: 1).validated()),
            repeatSeconds: 60)
        let failed = await ProbeMeasurementRunner().run(failing, start: now)
        #expect(!failed.succeeded)
        for r in [record, failed] {
            try spool.append(kind: MeasurementRecord.spoolKind, payload: r.spoolPayload, recordCount: 1)
        }
        let (http, client) = try uploaders(f)
        let outcome = await deliver(spool, client, try archive(f, http: http), maxAttempts: 3)
        #expect(outcome.delivered == 2 && outcome.remaining == 0 && outcome.quarantined == 0, "\(outcome)")

        let counts: [(String, Int64)] = [
            ("packet-count-sent", 4), ("packet-count-lost-bidir", 0), ("packet-duplicates-bidir", 0),
            ("packet-reorders-bidir", 0),
        ]
        for (eventType, value) in counts {
            let read = try await points(f, eventType: eventType).compactMap { $0["val"] }
            #expect(read == [.integer(value)], "\(eventType): \(read)")
        }
        let histogram = try await points(f, eventType: "histogram-rtt").compactMap { $0["val"] }
        guard case .object(let buckets)? = histogram.first else {
            Issue.record("histogram-rtt: \(histogram)")
            return
        }
        let expectedBuckets = result.roundtrips.compactMap(\.rttSeconds).map {
            EsmondRecordMapping.histogramKey(milliseconds: $0 * 1000)
        }
        #expect(
            buckets.values.compactMap(\.integerValue).reduce(0, +) == 4 && Set(buckets.keys) == Set(expectedBuckets),
            "\(buckets)")
        let ttls = try await points(f, eventType: "histogram-ttl-reverse").compactMap { $0["val"] }
        #expect(ttls == [.object(["64": .integer(4)])], "\(ttls)")
        let loss = try await points(f, eventType: "packet-loss-rate-bidir").compactMap { $0["val"] }
        #expect(loss.count == 1 && loss.first?.doubleValue == 0, "\(loss)")
        let failures = try await points(f, eventType: "failures").compactMap { $0["val"]?["error"] }
        #expect(
            failures.count == 1 && failures.first.map { "\($0)".contains("nowhere.invalid") } == true, "\(failures)")
        guard case .array(let metadata) = try await get(f, "/esmond/perfsonar/archive/?pscheduler-test-type=rtt") else {
            return
        }
        #expect(
            metadata.count == 2
                && metadata.allSatisfy { $0["tool-name"] == .string("pscheduler/ping") && $0["sample-size"] != nil })
        try await http.shutdown()
    }

    @Test func aRecordTheArchiveRefusesIsQuarantinedNotLost() async throws {
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        // A source that is not an IP address: the receiver answers 400, retrying cannot help.
        var record = await ProbeMeasurementRunner().run(try traceToLoopback(), start: 1_795_410_000)
        record.sourceAddress = "ps1 (not an address)"
        try spool.append(kind: MeasurementRecord.spoolKind, payload: record.spoolPayload, recordCount: 1)
        try spool.append(kind: MeasurementRecord.spoolKind, payload: Array("{broken".utf8), recordCount: 1)
        let (http, client) = try uploaders(f)
        let up = try archive(f, http: http)
        let outcome = await deliver(spool, client, up, maxAttempts: 2)
        #expect(outcome.remaining == 0 && outcome.delivered == 0)
        #expect(outcome.quarantined == 2, "refused and unreadable records are kept in quarantine: \(outcome)")
        let quarantined = (try? FileManager.default.contentsOfDirectory(atPath: f.dir.file("spool/quarantine"))) ?? []
        #expect(quarantined.contains { !$0.hasSuffix(".reason") }, "\(quarantined)")
        try await http.shutdown()
    }

    @Test func theDaemonRunsScheduledTestsAndServesPeers() async throws {
        guard let iperf3 = Iperf3Tool.path else {
            try Prerequisite.unavailable("iperf3 is not installed (apt-get install -y iperf3)")
            return
        }
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        let iperfPort = try TestPorts.take()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: iperf3)
        server.arguments = ["-s", "-p", "\(iperfPort)"]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer {
            // iperf3 -s may sit out SIGTERM while a client lingers; it must not outlive the test.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try await Iperf3Tool.awaitListener(port: iperfPort)
        let responderPort = try TestPorts.take()
        try f.dir.write("agent-password", "fox-secret\n")
        try f.dir.write("archive-token", ReceiverFixture.archiveToken + "\n")
        try f.dir.write(
            "agent.toml",
            """
            [receiver]
            url = "\(f.receiver.baseURL)"
            cluster = "fox"
            password_file = "\(f.dir.file("agent-password"))"
            ca_file = "\(f.pki.caCertificate)"

            [spool]
            dir = "\(f.dir.file("spool"))"

            [archive]
            token_file = "\(f.dir.file("archive-token"))"

            [responder]
            enabled = true
            port = \(responderPort)

            [[test]]
            name = "trace-lo"
            type = "trace"
            dest = "127.0.0.1"
            repeat = 2
            slip = 1
            hops = 4
            queries = 1
            wait = 1

            [[test]]
            name = "bw-lo"
            type = "throughput"
            dest = "127.0.0.1"
            port = \(iperfPort)
            repeat = 7
            duration = 1
            bandwidth = "200M"
            """)
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Shell.binDirectory + "/fathom-agent")
        agent.arguments = ["run", "--config", f.dir.file("agent.toml")]
        let agentLog = f.dir.file("agent.log")
        _ = FileManager.default.createFile(atPath: agentLog, contents: nil)
        agent.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: agentLog))
        try agent.run()
        defer { if agent.isRunning { agent.terminate() } }
        try await Iperf3Tool.awaitListener(port: responderPort)

        // A peer's iperf3 client is served by the daemon's responder (or told it is busy while a
        // scheduled throughput test holds the host; then it tries again).
        var served = false
        for _ in 0..<5 where !served {
            let run = try await Iperf3Tool.run(
                [iperf3, "-c", "127.0.0.1", "-p", "\(responderPort)", "-t", "1", "-b", "100M", "-J"], timeout: 30)
            // iperf3 3.12 can exit 0 with only `{"error": "the server is busy …"}` in its JSON.
            if run.status == 0, let sums = try? Iperf3Tool.sums(run.stdout) {
                served = true
                // Functional: the responder received and counted data (the rate is fathom-bench's).
                #expect(sums.received > 0, "\(run.stdout.prefix(400))")
            } else {
                #expect(
                    run.stdout.contains("busy"),
                    "iperf3 against the daemon failed: \(run.stdout.prefix(400)) \(run.stderr)")
                try await Task.sleep(for: .seconds(1))
            }
        }
        #expect(served)

        var traces: [JSONValue] = []
        var throughputs: [JSONValue] = []
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline && (traces.count < 2 || throughputs.isEmpty) {
            try await Task.sleep(for: .milliseconds(500))
            traces = try await points(f, eventType: "packet-trace")
            throughputs = try await points(f, eventType: "throughput")
        }
        let log = (try? String(contentsOfFile: agentLog, encoding: .utf8)) ?? ""
        #expect(traces.count >= 2, "repeated traces archived: \(traces.count); agent log:\n\(log.suffix(3000))")
        #expect(Set(traces.compactMap { $0["ts"]?.integerValue }).count == traces.count, "each run its own time")
        #expect(throughputs.count >= 1, "a throughput run archived; agent log:\n\(log.suffix(3000))")
        if let bits = throughputs.first?["val"]?.doubleValue {
            // Functional, with a wide margin: a measured rate was archived, and pacing held it
            // below line rate on loopback (many Gbit/s). How close it comes to 200 Mbit/s is
            // fathom-bench's business, not a test's on a loaded machine.
            #expect(bits > 0 && bits < 1e9, "paced at 200 Mbit/s, archived \(bits)")
        }
        await agent.end(grace: .seconds(60))
        #expect(agent.terminationStatus == 0)
    }
}
