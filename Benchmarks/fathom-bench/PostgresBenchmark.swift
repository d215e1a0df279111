import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import Logging

/// The scale-out store's ingest rate: TLS clients uploading to one and to two in-process
/// receivers on one PostgreSQL (fsync on, the sample index on as by default, and once off to show
/// its cost), next to the embedded store and to psql `\copy` of the same lines into the same
/// table in the same run (bar: receivers with the index ≥ 0.7× `\copy`'s line rate); then the
/// esmond archive on PostgreSQL next to SQLite, its one-day query p50 judged by SQLite's bar (≤ 5 ms).
struct PostgresBenchmark {
    var clients: Int
    var seconds: Double
    var bodyKiB: Int
    /// Throughput points (1-minute spacing) each archive run stores before its queries.
    var archivePoints: Int = 20_160
    var archiveQueries: Int = 200

    static let copyBar = 0.7
    static let user = "bench"
    static let password = "bench-secret"

    struct Figures {
        var uploadsPerSecond: Double
        var linesPerSecond: Double
        var p99: Double
    }

    func run() async throws {
        guard PostgresServer.isInstalled else {
            print("== postgres: skipped, PostgreSQL 15 is not installed (apt-get install -y postgresql) ==")
            return
        }
        let scratch = TempDirectory.benchScratch("fathom-bench")
        defer { scratch.remove() }
        let filesystem = try ScratchFilesystem.check(scratch.path)
        // Beside the scratch directory, not in it: the server runs as another user when root.
        let pg = try PostgresServer(durable: true, in: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
        _ = try ScratchFilesystem.check(pg.directory.path)
        defer { pg.remove() }
        print(
            "== postgres: \(clients) TLS clients, \(fmt(seconds, 1)) s, \(bodyKiB) KiB bodies with batch ids, "
                + "PostgreSQL 15 (fsync on) and data on \(filesystem) ==")
        let pki = try TestPKI(in: scratch.path)
        try "\(Self.user):\(Self.password)\n".write(
            toFile: scratch.file("credentials"), atomically: true, encoding: .utf8)
        var logger = Logger(label: "fathom-bench.postgres")
        logger.logLevel = .critical
        let bodies = (0..<clients).map { UploadBody.make(host: "node\($0)", approximateBytes: bodyKiB * 1024) }
        let linesPerBody = Double(bodies.map { $0.count { $0 == UInt8(ascii: "\n") } }.reduce(0, +)) / Double(clients)

        func settings(_ name: String, index: Bool = true) -> ReceiverSettings {
            var s = ReceiverSettings()
            s.host = "127.0.0.1"
            s.port = 0
            s.dataDirectory = scratch.file(name)
            s.credentialsPath = scratch.file("credentials")
            s.tlsCertificatePath = pki.serverCertificate
            s.tlsKeyPath = pki.serverKey
            s.sampleIndex = index
            return s
        }
        let embedded = try await measure(
            receivers: [settings("files", index: false)], store: false, pg: pg, pki: pki, bodies: bodies,
            linesPerBody: linesPerBody, logger: logger)
        report("embedded store (day files, no index)", embedded)
        let one = try await measure(
            receivers: [settings("pg1")], store: true, pg: pg, pki: pki, bodies: bodies, linesPerBody: linesPerBody,
            logger: logger)
        report("one receiver on PostgreSQL (sample index on)", one)
        let unindexed = try await measure(
            receivers: [settings("pg1-no-index", index: false)], store: true, pg: pg, pki: pki, bodies: bodies,
            linesPerBody: linesPerBody, logger: logger)
        report("one receiver on PostgreSQL (sample index off)", unindexed)
        let two = try await measure(
            receivers: [settings("pg2a"), settings("pg2b")], store: true, pg: pg, pki: pki, bodies: bodies,
            linesPerBody: linesPerBody, logger: logger)
        report("two receivers on PostgreSQL (sample index on)", two)

        let copyRate = try copyReference(pg: pg, bodies: bodies, scratch: scratch)
        print("psql \\copy of the same lines into fathom_samples: \(fmt(copyRate, 0)) lines/s")
        for (name, figures) in [("one receiver", one), ("two receivers", two)] {
            let ratio = figures.linesPerSecond / copyRate
            print(
                "bar: \(name) >= \(fmt(Self.copyBar, 1))x \\copy's line rate: \(fmt(ratio, 2))x "
                    + verdict(ratio >= Self.copyBar))
        }
        // The archive: the same run on SQLite and on the store's database, for the one-day query p50.
        for url in [nil, try pg.makeDatabase()] {
            try await ArchiveBenchmark(
                points: archivePoints, bulk: 1_440, queries: archiveQueries, clients: 2, postgresURL: url
            ).run()
        }
    }

    private func report(_ name: String, _ figures: Figures) {
        print(
            "\(name): \(fmt(figures.uploadsPerSecond, 1)) uploads/s, \(fmt(figures.linesPerSecond, 0)) lines/s, "
                + "p99 \(fmt(figures.p99 * 1000)) ms")
    }

    /// Clients spread over the receivers (each its own store connection), timed after a warm-up.
    private func measure(
        receivers settings: [ReceiverSettings], store: Bool, pg: PostgresServer, pki: TestPKI, bodies: [[UInt8]],
        linesPerBody: Double, logger: Logger
    ) async throws -> Figures {
        var running: [InProcessReceiver] = []
        var stores: [any SampleStore] = []
        for s in settings {
            let opened: (any SampleStore)? =
                store
                ? try await PostgresSampleStore.open(
                    settings: StoreSettings(url: pg.url), sampleIndex: s.sampleIndex, logger: logger) : nil
            let receiver = try await InProcessReceiver.start(settings: s, logger: logger, store: opened)
            running.append(receiver)
            stores.append(receiver.server.store)
        }
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let uploaders = try bodies.enumerated().map { index, body in
            try NodeUploader(
                caPath: pki.caCertificate,
                url: "https://127.0.0.1:\(running[index % running.count].port)/sonar-freecsv?cluster=\(Self.user)",
                user: Self.user, password: Self.password, body: body, batchPrefix: "\(run)-c\(index)")
        }
        for u in uploaders { _ = try await u.upload() }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let outcomes = await withTaskGroup(of: NodeUploader.Outcome.self) { group in
            for u in uploaders { group.addTask { await u.drive(until: deadline, limit: 1_000_000) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = (clock.now - start).seconds
        for u in uploaders { await u.shutdown() }
        for receiver in running { await receiver.stop() }
        for store in stores { await store.close() }
        let latencies = Percentiles(outcomes.flatMap(\.latencies))
        let failures = outcomes.reduce(0) { $0 + $1.failures }
        if failures > 0 { print("  (\(failures) uploads failed)") }
        let rate = Double(latencies.count) / elapsed
        return Figures(uploadsPerSecond: rate, linesPerSecond: rate * linesPerBody, p99: latencies.value(at: 99))
    }

    /// psql `\copy` of the bodies' lines (with their parsed columns, as the store writes them),
    /// as many as a receiver stores in a few seconds; lines per second of psql's whole run.
    private func copyReference(pg: PostgresServer, bodies: [[UInt8]], scratch: TempDirectory) throws -> Double {
        let day = SonarTimestamp.utcDate(epochSeconds: Int64(Date().timeIntervalSince1970))
        let dayText = String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        var csv = ""
        var lines = 0
        while lines < 200_000 {
            for (index, body) in bodies.enumerated() {
                for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
                    let quoted = "\"" + line.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    csv += "\(dayText),\(Self.user),node\(index),now(),alice,0,python,\(quoted),0\n"
                    lines += 1
                }
            }
        }
        csv = csv.replacingOccurrences(of: ",now(),", with: ",\(dayText) 12:00:00+00,")
        let file = pg.directory.file("copy.csv")
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let start = Date()
        try pg.psql(
            "\\copy fathom_samples (day, cluster, host, time, \"user\", job, cmd, line, group_id) FROM '\(file)' CSV")
        return Double(lines) / Date().timeIntervalSince(start)
    }
}
