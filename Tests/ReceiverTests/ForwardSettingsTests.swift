import FathomReceiver
import FathomShared
import Testing

/// `[[forward]]` tables, RabbitMQ URLs and the psdata messages cut from a forward batch.
@Suite(.timeLimit(.minutes(1))) struct ForwardSettingsTests {
    @Test func amqpURLsReadAsRabbitMQsURISpecWritesThem() throws {
        let plain = try AMQPAddress("amqp://fathom@mq.example.org/psdata")
        #expect(!plain.tls && plain.user == "fathom" && plain.password == nil)
        #expect(plain.host == "mq.example.org" && plain.port == 5672 && plain.virtualHost == "psdata")
        let tls = try AMQPAddress("amqps://u:p%40ss@[2001:db8::1]:5999/%2f")
        #expect(tls.tls && tls.port == 5999 && tls.host == "2001:db8::1")
        #expect(tls.password == "p@ss" && tls.virtualHost == "/")
        #expect(tls.description == "amqps://u@[2001:db8::1]:5999/", "no password in logs")
        #expect(try AMQPAddress("amqp://localhost").virtualHost == "/")
        for bad in ["http://mq/", "amqp://", "amqp://mq:0/", "amqp://mq:99999/", "mq.example.org", "amqp://mq/%zz"] {
            #expect(throws: AMQPAddress.Invalid.self, "\(bad)") { try AMQPAddress(bad) }
        }
    }

    @Test func forwardTablesAreCheckedKeyByKey() throws {
        let settings = try ReceiverSettingsFile.parse(
            """
            archive_db = "/var/lib/fathom/archive.sqlite"
            [[forward]]
            url = "amqp://guest@127.0.0.1:5672/"
            exchange = "osg.psdata.raw"
            [[forward]]
            name = "cern"
            url = "amqps://fathom@mq.example.org/ps"
            password_file = "/etc/fathom/mq"
            exchange = "x"
            archive_routing_key = "fathom.{event-type}.raw"
            heartbeat = 0
            """, fileName: "receiver.toml")
        #expect(settings.forwards.map(\.name) == ["127.0.0.1:5672///osg.psdata.raw", "cern"])
        #expect(settings.forwards[0].streams == [.archive] && settings.forwards[0].heartbeat == 30)
        #expect(settings.forwards[1].archiveRoutingKey(eventType: "packet-trace") == "fathom.packet-trace.raw")
        #expect(settings.forwards[0].archiveRoutingKey(eventType: "throughput") == "perfsonar.raw.throughput")
        #expect(settings.forwards[0].samplesRoutingKey(cluster: "fox") == "fathom.samples.fox")
        #expect(settings.validationError() == nil || settings.validationError()?.contains("forward") == false)

        let refused: [(String, String)] = [
            ("[[forward]]\nurl = \"amqp://guest@h/\"", "exchange"),
            ("[[forward]]\nexchange = \"x\"", "url"),
            ("[[forward]]\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\nstreams = [\"jobs\"]", "jobs"),
            ("[[forward]]\nurl = \"amqp://bob@h/\"\nexchange = \"x\"", "password_file"),
            ("[[forward]]\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\ntype = \"kafka\"", "rabbitmq"),
            ("[[forward]]\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\nqueue = \"q\"", "queue"),
            (
                "[[forward]]\nname = \"a\"\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\n"
                    + "[[forward]]\nname = \"a\"\nurl = \"amqp://guest@h/\"\nexchange = \"y\"", "used by another"
            ),
            ("forward = \"amqp://h/\"", "array of tables"),
        ]
        for (text, named) in refused {
            #expect(throws: ConfigError.self, "\(text)") { try ReceiverSettingsFile.parse(text, fileName: "r.toml") }
            do {
                _ = try ReceiverSettingsFile.parse(text, fileName: "r.toml")
            } catch {
                #expect(error.description.contains(named), "\(error) should name \(named)")
            }
        }
        // The archive stream with no archive to read it from cannot start.
        let orphan = try ReceiverSettingsFile.parse(
            "insecure_http = true\n[[forward]]\nurl = \"amqp://guest@h/\"\nexchange = \"x\"", fileName: "r.toml")
        #expect(orphan.validationError()?.contains("no archive") == true)
        var indexless = try ReceiverSettingsFile.parse(
            "insecure_http = true\n[[forward]]\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\nstreams = [\"samples\"]",
            fileName: "r.toml")
        #expect(indexless.validationError() == nil)
        indexless.sampleIndex = false
        #expect(indexless.validationError()?.contains("ingest index") == true)
    }

    @Test func batchesAreCutIntoPSDataMessagesOfAtMost200PointsWithStableIds() throws {
        let input = ArchiveMetadataInput(
            subjectType: .pointToPoint,
            subject: [
                "source": "10.0.0.1", "destination": "10.0.0.2", "measurement-agent": "10.0.0.1",
                "input-source": "a.example.org", "input-destination": "b.example.org", "tool-name": "pscheduler/iperf3",
            ], parameters: [:], eventTypes: [])
        var batch = ArchiveForwardBatch(after: 0, through: 460)
        batch.metadata["k1"] = ArchiveMetadata(key: "k1", input: input)
        for seq in 1...450 {
            batch.points.append(
                .init(
                    seq: Int64(seq), key: "k1", eventType: seq % 9 == 0 ? "packet-trace" : "throughput",
                    ts: 1_700_000_000 + Int64(seq), value: .integer(Int64(seq))))
        }
        let forward = ForwardSettings(
            name: "t", address: try AMQPAddress("amqp://guest@h/"), exchange: "x", streams: [.archive])
        let messages = PSDataMessage.messages(for: batch, forward: forward)
        // 400 throughput points → 200 + 200; 50 trace points → 1 message.
        #expect(
            messages.map(\.routingKey) == [
                "perfsonar.raw.throughput", "perfsonar.raw.throughput", "perfsonar.raw.packet-trace",
            ])
        #expect(
            messages.map(\.id) == ["archive-1-k1-throughput", "archive-226-k1-throughput", "archive-9-k1-packet-trace"])
        #expect(PSDataMessage.messages(for: batch, forward: forward) == messages, "cut the same way every time")
        let body = try JSONText.parse(messages[2].body)
        let meta = try #require(body["meta"])
        #expect(
            meta["measurement_agent"] == .string("10.0.0.1") && meta["input_destination"] == .string("b.example.org"))
        #expect(meta["org_metadata_key"] == .string("k1") && meta["event-type"] == .string("packet-trace"))
        #expect(meta["ts_start"] == .integer(1_700_000_009) && meta["ts_end"] == .integer(1_700_000_450))
        guard case .object(let points)? = body["datapoints"] else { throw ForwardError("no datapoints") }
        #expect(points.count == 50 && points["1700000450"] == .integer(450))
    }
}
