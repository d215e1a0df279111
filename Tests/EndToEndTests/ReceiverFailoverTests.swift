import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Logging
import Testing

/// Agents with several receivers: a batch one receiver cannot take (closed port, 503) lands on
/// another, exactly once; with all up, an agent sticks to one.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ReceiverFailoverTests {
    let logger = Logger(label: "receiver-failover-test")

    /// Every stored line of cluster fox under `data`, as stored (duplicates kept).
    func storedLines(_ data: String) -> [String] {
        storedFiles(data, cluster: "fox").filter { $0.key.hasSuffix(".csv") }.values
            .flatMap { $0.split(separator: "\n").map(String.init) }
    }

    /// A second receiver beside the fixture's: same PKI and credentials, its own data directory.
    func secondReceiver(_ f: ReceiverFixture, environment: [String: String] = [:]) async throws -> ReceiverProcess {
        try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.dir.file("data-b"), credentialsPath: f.dir.file("credentials"),
            environment: environment)
    }

    func client(_ baseURL: String, http: AgentHTTPClient) throws -> ReceiverClient {
        try ReceiverClient(
            endpoint: ReceiverEndpoint(baseURL: baseURL, cluster: "fox", user: "fox", password: "fox-secret"),
            http: http,
            timeoutSeconds: 10)
    }

    /// Spools `count` sample batches of one distinct line each; returns the lines.
    func spoolSamples(_ spool: SpoolDirectory, count: Int) throws -> [String] {
        let lines = (0..<count).map { sampleLine(host: "c\($0)", pid: 1000 + $0) }
        for line in lines {
            try spool.append(kind: UploadKind.samples.rawValue, payload: Array((line + "\n").utf8), recordCount: 1)
        }
        return lines
    }

    @Test func aClosedPortFirstPassesEveryBatchToTheNextOnceAndTheAgentStaysThere() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let closed = try await secondReceiver(f)
        await closed.stop()
        let http = try AgentHTTPClient(caFile: f.pki.caCertificate)
        defer { Task { try? await http.shutdown() } }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        let lines = try spoolSamples(spool, count: 4)
        let receivers = FailoverOrder(ordered: [
            try client(closed.baseURL, http: http), try client(f.receiver.baseURL, http: http),
        ])
        var delivery = SpoolDelivery(spool: spool, receivers: receivers, logger: logger)
        let metrics = AgentMetrics()
        delivery.metrics = metrics
        let outcome = await delivery.drain(maxAttempts: 1)
        #expect(outcome.delivered == 4 && outcome.remaining == 0, "no backoff round was needed: \(outcome)")
        #expect(storedLines(f.data).sorted() == lines.sorted(), "each line once, on the receiver that was up")
        #expect(receivers.current.address == f.receiver.baseURL)
        #expect(metrics.snapshot.failovers == 1, "only the first batch hopped; the rest went straight to the live one")
    }

    @Test func aReceiverAnswering503PassesTheBatchToTheOtherWhichKeepsItOnce() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        // Its first sync fails with EIO: the receiver answers 503 and takes the upload's bytes back.
        let failing = try await secondReceiver(f, environment: ["FATHOM_TEST_FAIL_AT": "sync:EIO"])
        defer { failing.stopLater(thenRemove: f.dir) }
        let http = try AgentHTTPClient(caFile: f.pki.caCertificate)
        defer { Task { try? await http.shutdown() } }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        let lines = try spoolSamples(spool, count: 3)
        let receivers = FailoverOrder(ordered: [
            try client(failing.baseURL, http: http), try client(f.receiver.baseURL, http: http),
        ])
        let outcome = await SpoolDelivery(spool: spool, receivers: receivers, logger: logger).drain(maxAttempts: 1)
        #expect(outcome.delivered == 3 && outcome.remaining == 0, "\(outcome)")
        #expect(storedLines(f.data).sorted() == lines.sorted(), "the other receiver holds every line once")
        #expect(storedLines(f.dir.file("data-b")).isEmpty, "the 503 kept nothing")
        #expect(failing.log.contains("Input/output error"), "it was tried first: \(failing.log.suffix(400))")
    }

    @Test func allReceiversDownKeepsTheBatchesForTheNextRound() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let other = try await secondReceiver(f)
        await other.stop()
        let port = f.receiver.port
        await f.receiver.stop()
        let http = try AgentHTTPClient(caFile: f.pki.caCertificate)
        defer { Task { try? await http.shutdown() } }
        let spool = try SpoolDirectory(path: f.dir.file("spool"), maxBytes: 1 << 20, logger: logger)
        let lines = try spoolSamples(spool, count: 2)
        let receivers = FailoverOrder(ordered: [
            try client(other.baseURL, http: http), try client(f.receiver.baseURL, http: http),
        ])
        var outcome = await SpoolDelivery(spool: spool, receivers: receivers, logger: logger).drain(maxAttempts: 1)
        #expect(outcome.delivered == 0 && outcome.remaining == 2, "\(outcome)")
        #expect(
            outcome.lastError?.contains(other.baseURL) == true
                && outcome.lastError?.contains(f.receiver.baseURL) == true,
            "the error names every receiver: \(outcome.lastError ?? "")")
        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"), port: port)
        defer { back.stopLater(thenRemove: f.dir) }
        outcome = await SpoolDelivery(spool: spool, receivers: receivers, logger: logger).drain(maxAttempts: 3)
        #expect(outcome.delivered == 2 && outcome.remaining == 0, "\(outcome)")
        #expect(storedLines(f.data).sorted() == lines.sorted())
    }

    /// The real binary with `--receiver a,b`: with one port closed everything lands on the other
    /// (whichever order this agent shuffled); with both up, each run's batches all go to one.
    @Test func theAgentBinaryTakesAListAndSticksToOneReceiver() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let closed = try await secondReceiver(f)
        await closed.stop()
        for _ in 0..<3 {
            // A second apart, so each run's sample has its own timestamp.
            try await Task.sleep(for: .milliseconds(1100))
            let run = try await agent.once(
                receiverURL: "\(closed.baseURL),\(f.receiver.baseURL)", extra: ["--attempts", "1"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("delivered 2 batches, 0 remain"), "\(run.stdout)")
        }
        let stored = storedLines(f.data)
        let byTime = Dictionary(grouping: stored) { $0.split(separator: ",").first { $0.hasPrefix("time=") } ?? "" }
        #expect(byTime.count == 3, "each run's sample arrived: \(byTime.keys.sorted())")
        for (time, lines) in byTime {
            #expect(Set(lines).count == lines.count, "no line of the sample at \(time) is stored twice")
        }

        let b = try await secondReceiver(f)
        defer { b.stopLater(thenRemove: f.dir) }
        let both = try await agent.once(
            receiverURL: f.receiver.baseURL, extra: ["--receiver", b.baseURL, "--attempts", "1"])
        #expect(both.status == 0 && both.stdout.contains("delivered 2 batches, 0 remain"), "\(both.stderr)")
        let onA = storedFiles(f.data, cluster: "fox").count
        let onB = storedFiles(f.dir.file("data-b"), cluster: "fox").count
        let before = stored.count
        let grewA = storedLines(f.data).count > before
        #expect(grewA != (onB > 0), "the run's sample went to one receiver only (A grew: \(grewA), files on B: \(onB))")
        let sysinfoA = storedFiles(f.data, cluster: "fox").keys.filter { $0.contains("/sysinfo-") }.count
        let sysinfoB = storedFiles(f.dir.file("data-b"), cluster: "fox").keys.filter { $0.contains("/sysinfo-") }.count
        #expect(
            grewA ? sysinfoB == 0 : sysinfoB > 0,
            "its sysinfo followed the sample (A: \(sysinfoA), B: \(sysinfoB), \(onA) files on A)")
    }
}
