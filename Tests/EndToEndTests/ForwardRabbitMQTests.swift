import FathomShared
import FathomTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The receiver forwards every archive point to a real RabbitMQ broker (Debian's, started here)
/// and a real pika consumer reads them: through a broker outage while points keep arriving, and a
/// SIGKILL of the receiver after the broker confirmed a batch and before its cursor moved, every
/// stored point arrives, each under
/// exactly one message id (a repeat only ever carries an id already seen, with the same body),
/// persistent, in psdata's `perfsonar.raw.<event-type>` shape with the fields sand-ci/ps-ingest's
/// collectors read.
@Suite(.serialized, .timeLimit(.minutes(8))) struct ForwardRabbitMQTests {
    static let archive = "/esmond/perfsonar/archive/"
    static let exchange = "fathom.psdata.test"
    static let queue = "fathom-test-ingest"
    static let destination = "psdata-test"
    static let day: Int64 = 1_700_006_400

    static func bulk(_ range: Range<Int>) -> String {
        let entries = range.map { i in
            let ts = day + Int64(i)
            return #"{"ts":\#(ts),"val":[{"event-type":"throughput","val":\#(throughput(ts))},"#
                + #"{"event-type":"packet-trace","val":[{"ttl":1,"query":1,"success":1,"ip":"10.0.0.9","rtt":0.3,"as":{"number":64500,"owner":"TEST"}},"#
                + #"{"ttl":2,"query":1,"success":1,"ip":"10.0.0.2","rtt":\#(Double(i % 50) / 10 + 0.5)}]}]}"#
        }
        return #"{"data":["# + entries.joined(separator: ",") + "]}"
    }

    static let metadata = #"""
        {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
         "input-source":"ps-a.example.org","input-destination":"ps-b.example.org","tool-name":"pscheduler/iperf3",
         "event-types":[{"event-type":"throughput"},{"event-type":"packet-trace"}]}
        """#

    /// `receiver.toml` in `dir` with one `[[forward]]` to the test's exchange.
    static func writeConfig(_ dir: TempDirectory, url: String, extra: String) throws {
        try dir.write(
            "receiver.toml",
            """
            [[forward]]
            name = "\(destination)"
            url = "\(url)"
            exchange = "\(exchange)"
            \(extra)

            """)
    }

    static func throughput(_ ts: Int64) -> Int64 { 9_000_000_000 + ts - day }

    /// pika's python and a running broker with the test queue bound; nil when either cannot run here.
    static func brokerWithConsumer(_ test: String, tls: TestPKI? = nil) async throws -> (String, RabbitMQServer)? {
        guard let python = try await PikaConsumer.python(test: test),
            let broker = try await RabbitMQServer.start(test: test, tls: tls)
        else { return nil }
        do {
            try await PikaConsumer.bind(python: python, port: broker.port, exchange: exchange, queue: queue)
        } catch {
            broker.stop()
            throw error
        }
        return (python, broker)
    }

    @Test func everyStoredPointArrivesUnderOneIdThroughABrokerOutageAndAReceiverKill() async throws {
        guard let (python, broker) = try await Self.brokerWithConsumer("ForwardRabbitMQTests") else { return }
        defer { broker.stop() }
        let config = TempDirectory("fathom-forward")
        defer { config.remove() }
        try Self.writeConfig(config, url: "amqp://guest@127.0.0.1:\(broker.port)/", extra: "heartbeat = 5")
        let f = try await ReceiverFixture(archive: true, flags: ["--config", config.file("receiver.toml")])
        defer { f.close() }
        do {
            try await check(f, broker: broker, python: python, config: config.file("receiver.toml"))
        } catch {
            Issue.record(error)
        }
    }

    /// `fathom-receiver forward-status`: (confirmed, backlog) of the test's destination.
    func status(_ f: ReceiverFixture) async throws -> (done: Int64, backlog: Int) {
        let out = try await Shell.run([
            Shell.binDirectory + "/fathom-receiver", "forward-status", "--archive-db", f.dir.file("archive.sqlite"),
        ])
        guard out.status == 0,
            let line = out.stdout.split(separator: "\n").first(where: { $0.hasPrefix(Self.destination + "\t") })
        else { throw TestFailure("forward-status: \(out.stdout)\(out.stderr)") }
        let fields = line.split(separator: "\t")
        return (Int64(fields[2]) ?? -1, Int(fields[4]) ?? -1)
    }

    func awaitBacklog(_ f: ReceiverFixture, zero timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = (done: Int64(-1), backlog: -1)
        while Date() < deadline {
            last = try await status(f)
            if last.backlog == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("backlog still \(last.backlog) after \(timeout) s")
    }

    func metrics(_ f: ReceiverFixture, _ base: String) async throws -> String {
        try await f.client.send(base + "/metrics", method: .GET, contentType: nil).body
    }

    func put(_ f: ReceiverFixture, _ base: String, _ key: String, _ range: Range<Int>) async throws {
        let reply = try await f.client.send(
            base + Self.archive + key + "/", method: .PUT, contentType: "application/json", body: Self.bulk(range),
            headers: [("Authorization", "Token \(ReceiverFixture.archiveToken)")])
        guard reply.status == 201 else { throw TestFailure("PUT \(range): \(reply.status) \(reply.body)") }
    }

    func check(_ f: ReceiverFixture, broker: RabbitMQServer, python: String, config: String) async throws {
        let key = try await f.createArchiveMetadata(Self.metadata)

        // Flowing: 100 runs, 200 points, forwarded while they arrive.
        for start in stride(from: 0, to: 100, by: 10) { try await put(f, f.receiver.baseURL, key, start..<start + 10) }
        try await awaitBacklog(f, zero: 30)

        // Broker down: points keep being stored and wait, counted, for it.
        // A minute of outage, as the issue asks: heartbeats and reconnects must cope.
        try await broker.stopApp()
        try await put(f, f.receiver.baseURL, key, 100..<200)
        try await Task.sleep(for: .seconds(60))
        let waiting = try await status(f)
        #expect(waiting.backlog == 200, "backlog while the broker is down: \(waiting)")
        let gauge = #"fathom_receiver_forward_backlog_records{destination="psdata-test",stream="archive"} 200"#
        #expect(try await metrics(f, f.receiver.baseURL).contains(gauge), "the backlog is on /metrics")
        try await broker.startApp()
        try await awaitBacklog(f, zero: 90)

        // Killed (SIGKILL, at the fault seam) after the broker confirmed a batch of 1,200 points and
        // before the cursor moved: the restarted receiver sends that batch again, same ids.
        await f.receiver.stop()
        let extra = [
            "--archive-db", f.dir.file("archive.sqlite"), "--api-keys", f.dir.file("api-keys"), "--config", config,
        ]
        let crashing = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"), extra: extra,
            environment: ["FATHOM_TEST_CRASH_AT": "after-forward-confirm"])
        defer { crashing.stopLater(thenRemove: f.dir) }
        try await put(f, crashing.baseURL, key, 200..<800)
        let deadline = Date().addingTimeInterval(30)
        while crashing.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!crashing.process.isRunning && crashing.process.terminationReason == .uncaughtSignal)
        await crashing.stop()
        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"), extra: extra)
        defer { back.stopLater(thenRemove: f.dir) }
        try await awaitBacklog(f, zero: 60)
        try await Task.sleep(for: .seconds(6))
        let exported = try await metrics(f, back.baseURL)
        #expect(
            exported.contains(#"fathom_receiver_forward_backlog_records{destination="psdata-test",stream="archive"} 0"#)
        )
        #expect(
            exported.contains(
                #"fathom_receiver_forwarded_records_total{destination="psdata-test",stream="archive"} 1200"#),
            "\(exported)")

        let messages = try await PikaConsumer.drain(
            python: python, port: broker.port, exchange: Self.exchange, queue: Self.queue)
        var bodies: [String: NSDictionary] = [:]
        var owner: [String: String] = [:]  // "event-type ts" → message id
        var repeats = 0
        for message in messages {
            let eventType = message.routingKey.replacingOccurrences(of: "perfsonar.raw.", with: "")
            #expect(["throughput", "packet-trace"].contains(eventType), "routing key \(message.routingKey)")
            #expect(message.deliveryMode == 2 && message.contentType == "application/json")
            if let seen = bodies[message.id] {
                repeats += 1
                #expect(seen.isEqual(to: message.body), "message \(message.id) repeated with another body")
                continue
            }
            bodies[message.id] = message.body as NSDictionary
            // What ps-ingest's collectors read.
            let meta = try #require(message.body["meta"] as? [String: Any])
            #expect(meta["source"] as? String == "10.0.0.1" && meta["destination"] as? String == "10.0.0.2")
            #expect(meta["measurement_agent"] as? String == "10.0.0.1")
            #expect(meta["input_source"] as? String == "ps-a.example.org")
            #expect(meta["input_destination"] as? String == "ps-b.example.org")
            #expect(meta["org_metadata_key"] as? String == key && meta["event-type"] as? String == eventType)
            let points = try #require(message.body["datapoints"] as? [String: Any])
            #expect(!points.isEmpty && points.count <= 200)
            for (tsText, value) in points {
                let ts = try #require(Int64(tsText))
                let point = "\(eventType) \(ts)"
                #expect(owner[point] == nil, "\(point) in messages \(owner[point] ?? "") and \(message.id)")
                owner[point] = message.id
                if eventType == "throughput" {
                    #expect((value as? NSNumber)?.int64Value == Self.throughput(ts))
                } else {
                    let hops = try #require(value as? [[String: Any]])
                    #expect(
                        hops.count == 2 && hops.allSatisfy { $0["ttl"] != nil && $0["ip"] != nil && $0["query"] != nil }
                    )
                    #expect(((hops[0]["as"] as? [String: Any])?["number"] as? NSNumber)?.intValue == 64500)
                }
            }
        }
        let expected = Set(
            (0..<800).flatMap { i in ["throughput", "packet-trace"].map { "\($0) \(Self.day + Int64(i))" } })
        #expect(Set(owner.keys) == expected, "\(expected.subtracting(owner.keys).count) points never arrived")
        // The batch confirmed before the kill arrived twice: 1,200 points, at most 200 a message.
        #expect(repeats >= 6, "\(repeats) messages repeated; the batch confirmed before the kill should be")
        print("forwarded \(owner.count) points in \(bodies.count) messages; \(repeats) repeated (same id and body)")
    }

    /// amqps: the broker's certificate checked against `ca_file` (host name included). The right
    /// CA delivers; another CA is refused with the reason in the log, and the point waits.
    @Test func tlsBrokerIsVerifiedAgainstTheCAFile() async throws {
        let test = "ForwardRabbitMQTests.tls"
        let pkiDir = TempDirectory("fathom-forward-pki")
        defer { pkiDir.remove() }
        let pki = try TestPKI(in: pkiDir.path)
        guard let (python, broker) = try await Self.brokerWithConsumer(test, tls: pki) else { return }
        defer { broker.stop() }
        let tlsPort = try #require(broker.tlsPort)
        for (ca, delivers) in [(pki.otherCA, false), (pki.caCertificate, true)] {
            let config = TempDirectory("fathom-forward")
            defer { config.remove() }
            try Self.writeConfig(config, url: "amqps://guest@localhost:\(tlsPort)/", extra: "ca_file = \"\(ca)\"")
            let f = try await ReceiverFixture(archive: true, flags: ["--config", config.file("receiver.toml")])
            defer { f.close() }
            do {
                let key = try await f.createArchiveMetadata(Self.metadata)
                try await put(f, f.receiver.baseURL, key, 0..<1)
                if delivers {
                    try await awaitBacklog(f, zero: 30)
                    let messages = try await PikaConsumer.drain(
                        python: python, port: broker.port, exchange: Self.exchange, queue: Self.queue)
                    #expect(
                        messages.count == 2, "throughput and packet-trace of one run: \(messages.map(\.routingKey))")
                } else {
                    try await Task.sleep(for: .seconds(3))
                    #expect(try await status(f).backlog == 2)
                    #expect(
                        f.receiver.log.contains("forwarding failed") && f.receiver.log.contains("verif"),
                        "\(f.receiver.log)")
                }
            } catch {
                Issue.record(error)
            }
        }
    }

    /// The samples stream: every stored line reaches the consumer once, as the lines of the span
    /// its upload appended to its host's day file.
    @Test func storedSampleLinesArriveWithTheirHostAndDay() async throws {
        guard let (python, broker) = try await Self.brokerWithConsumer("ForwardRabbitMQTests.samples") else { return }
        defer { broker.stop() }
        let config = TempDirectory("fathom-forward")
        defer { config.remove() }
        try Self.writeConfig(config, url: "amqp://guest@127.0.0.1:\(broker.port)/", extra: "streams = [\"samples\"]")
        let f = try await ReceiverFixture(flags: ["--config", config.file("receiver.toml")])
        defer { f.close() }
        do {
            var sent: [String: [String]] = [:]  // host → lines
            for upload in 0..<20 {
                let host = "c\(upload % 3)"
                let lines = (0..<5).map { i in
                    sampleLine(host: host, time: "2026-11-25T10:\(10 + upload):00+00:00", pid: 1000 + upload * 10 + i)
                }
                let reply = try await f.client.send(
                    f.url("/sonar-freecsv"), user: "fox", password: "fox-secret",
                    body: lines.joined(separator: "\n") + "\n")
                #expect(reply.status == 200)
                sent[host, default: []] += lines
            }
            let deadline = Date().addingTimeInterval(30)
            var messages: [PikaConsumer.Message] = []
            while messages.flatMap({ ($0.body["lines"] as? [String]) ?? [] }).count < 100 && Date() < deadline {
                messages += try await PikaConsumer.drain(
                    python: python, port: broker.port, exchange: Self.exchange, queue: Self.queue, quiet: 1)
            }
            var received: [String: [String]] = [:]
            for message in messages {
                #expect(message.routingKey == "fathom.samples.fox" && message.deliveryMode == 2)
                let host = try #require(message.body["host"] as? String)
                #expect(message.body["cluster"] as? String == "fox" && message.body["day"] as? String == "2026-11-25")
                #expect(message.body["path"] as? String == "fox/2026/11/25/\(host).csv")
                #expect(message.id.hasPrefix("samples-fox/2026/11/25/\(host).csv@"))
                received[host, default: []] += (message.body["lines"] as? [String]) ?? []
            }
            #expect(Set(messages.map(\.id)).count == messages.count, "one message per span")
            #expect(received == sent, "every line once, in file order")
            // What the day files hold is what was forwarded.
            for (host, lines) in sent {
                let file = try String(contentsOfFile: f.data + "/fox/2026/11/25/\(host).csv", encoding: .utf8)
                #expect(file == lines.joined(separator: "\n") + "\n")
            }
        } catch {
            Issue.record(error)
        }
    }

    /// The interfaces stream: an interface opened is one `esnet_interfaces` record, each stored
    /// rate step three `esnet_traffic` points (traffic in bit/s, errors, discards), with the
    /// fields ps-ingest's ESnet collectors read.
    @Test func interfaceRecordsAndRatesArriveInTheESnetShapes() async throws {
        guard let (python, broker) = try await Self.brokerWithConsumer("ForwardRabbitMQTests.interfaces") else {
            return
        }
        defer { broker.stop() }
        let config = TempDirectory("fathom-forward")
        defer { config.remove() }
        try Self.writeConfig(
            config, url: "amqp://guest@127.0.0.1:\(broker.port)/", extra: "streams = [\"interfaces\"]")
        let f = try await ReceiverFixture(flags: ["--config", config.file("receiver.toml")])
        defer { f.close() }
        do {
            let start: Int64 = 1_700_000_030
            for step in 0..<3 {
                var counters = InterfaceRecord.Counters()
                counters.rxBytes = UInt64(step) * 3_000_000  // 100,000 B/s over 30 s
                counters.txBytes = UInt64(step) * 300_000
                counters.rxErrors = UInt64(step) * 30
                let line = InterfaceRecord(
                    time: start + Int64(step) * 30, bootTime: 1_700_000_000, host: "node1", name: "eth0", index: 2,
                    operState: "up", adminUp: true, speedMbps: 1000, mtu: 1500, macAddress: nil, alias: "uplink",
                    counters: counters
                ).line
                let reply = try await f.client.send(
                    f.url("/interfaces"), user: "fox", password: "fox-secret", body: line + "\n")
                #expect(reply.status == 200, "\(reply.body)")
            }
            var messages: [PikaConsumer.Message] = []
            let deadline = Date().addingTimeInterval(30)
            while messages.count < 7 && Date() < deadline {
                messages += try await PikaConsumer.drain(
                    python: python, port: broker.port, exchange: Self.exchange, queue: Self.queue, quiet: 1)
            }
            let records = messages.filter { $0.routingKey == "esnet_interfaces" }
            let points = messages.filter { $0.routingKey == "esnet_traffic" }
            #expect(records.count == 1 && points.count == 6, "\(messages.map(\.routingKey))")
            let record = try #require(records.first?.body)
            #expect(record["resource"] as? String == "devices/node1/interfaces/eth0")
            #expect(record["name"] as? String == "eth0" && record["device"] as? String == "node1")
            #expect(record["ifIndex"] as? String == "2" && record["description"] as? String == "uplink")
            #expect((record["timestamp"] as? NSNumber)?.int64Value == start * 1000)
            let traffic = points.filter { $0.body["recordType"] as? String == "traffic" }
            #expect(traffic.count == 2)
            for point in traffic {
                #expect(point.body["name"] as? String == "devices/node1/interfaces/eth0")
                #expect((point.body["in"] as? NSNumber)?.doubleValue == 800_000, "bit/s: \(point.body)")
                #expect((point.body["out"] as? NSNumber)?.doubleValue == 80_000)
            }
            let errors = points.filter { $0.body["recordType"] as? String == "errors" }
            #expect(errors.count == 2 && errors.allSatisfy { ($0.body["in"] as? NSNumber)?.doubleValue == 1 })
            #expect(
                Set(traffic.compactMap { ($0.body["timestamp"] as? NSNumber)?.int64Value }) == [
                    (start + 30) * 1000, (start + 60) * 1000,
                ])
            #expect(Set(messages.map(\.id)).count == messages.count)
        } catch {
            Issue.record(error)
        }
    }
}
