import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import Logging

/// The ingest index's cost and benefit: TLS upload rate with the index on against off (bar:
/// ≥ 0.8×), and `/grafana/query` latency over an index of `days` × `hosts` × 288 samples (bars:
/// one host for 24 h p50 ≤ 10 ms, the cluster total for 24 h p50 ≤ 100 ms).
struct GrafanaBenchmark {
    var clients: Int
    var seconds: Double
    var bodyKiB: Int
    var days: Int
    var hosts: Int
    var processesPerSample: Int
    var queries: Int

    static let ingestBar = 0.8
    static let hostBarMilliseconds = 10.0
    static let clusterBarMilliseconds = 100.0
    static let cluster = "bench"
    static let password = "bench-secret"
    /// 2026-11-01T00:00:00Z: the indexed days start here.
    static let firstDay: Int64 = 1_793_491_200

    func run() async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench-grafana")
        defer { scratch.remove() }
        print(
            "== grafana: ingest with and without the index (\(clients) clients, \(fmt(seconds, 1)) s, \(bodyKiB) KiB), "
                + "queries over \(days) days x \(hosts) hosts x 288 samples, scratch \(scratch.path) ==")
        let pkiDir = scratch.path + "/pki"
        try FileManager.default.createDirectory(atPath: pkiDir, withIntermediateDirectories: true)
        let pki = try TestPKI(in: pkiDir)
        let credentials = scratch.path + "/credentials"
        try "\(Self.cluster):\(Self.password)\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        var settings = ReceiverSettings()
        settings.port = 0
        settings.credentialsPath = credentials
        settings.tlsCertificatePath = pki.serverCertificate
        settings.tlsKeyPath = pki.serverKey
        var logger = Logger(label: "fathom-bench.grafana")
        logger.logLevel = .critical

        var rates: [Bool: Double] = [:]
        for indexed in [false, true] {
            settings.sampleIndex = indexed
            settings.dataDirectory = scratch.path + (indexed ? "/data-indexed" : "/data-plain")
            rates[indexed] = try await ingestRate(settings: settings, logger: logger, caPath: pki.caCertificate)
            print("ingest, index \(indexed ? "on " : "off"): \(fmt(rates[indexed]!, 1)) uploads/s")
        }
        let ratio = rates[true]! / max(rates[false]!, 1e-9)
        print(
            "bar: ingest with index >= \(fmt(Self.ingestBar, 1))x without: \(fmt(ratio, 2))x \(verdict(ratio >= Self.ingestBar))"
        )

        settings.sampleIndex = true
        settings.dataDirectory = scratch.path + "/data-query"
        settings.indexPath = scratch.path + "/query-index.sqlite"
        let clock = ContinuousClock()
        let buildStart = clock.now
        try populate(indexPath: settings.indexPath!, dataDirectory: settings.dataDirectory)
        let built = clock.now - buildStart
        print(
            "index built from \(days * hosts * 288) host samples x \(processesPerSample) processes in \(fmt(built.seconds, 1)) s"
        )
        try await queryLatencies(settings: settings, logger: logger, caPath: pki.caCertificate)
    }

    private func ingestRate(settings: ReceiverSettings, logger: Logger, caPath: String) async throws -> Double {
        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger)
        let url = "https://127.0.0.1:\(receiver.port)/sonar-freecsv?cluster=\(Self.cluster)"
        let uploaders = try (0..<clients).map {
            try NodeUploader(
                caPath: caPath, url: url, user: Self.cluster, password: Self.password,
                body: UploadBody.make(host: "node\($0)", approximateBytes: bodyKiB * 1024),
                batchPrefix: "grafana-\(getpid())-\($0)")
        }
        defer { receiver.server.writer?.shutdown() }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let outcomes = await withTaskGroup(of: NodeUploader.Outcome.self) { group in
            for u in uploaders { group.addTask { await u.drive(until: deadline, limit: .max) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = (clock.now - start).seconds
        for u in uploaders { await u.shutdown() }
        await receiver.stop()
        let failures = outcomes.reduce(0) { $0 + $1.failures }
        if failures > 0 { print("  \(failures) uploads failed: \(outcomes.compactMap(\.firstFailure).first ?? "")") }
        return Double(outcomes.reduce(0) { $0 + $1.latencies.count }) / elapsed
    }

    /// Folds synthetic samples straight into an index (the files are not needed to query it).
    private func populate(indexPath: String, dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let index = try SampleIndex(path: indexPath, dataDirectory: dataDirectory)
        let hostsPerFold = 50
        for day in 0..<days {
            let dayStart = Self.firstDay + Int64(day) * 86_400
            let (y, m, d) = SonarTimestamp.utcDate(epochSeconds: dayStart)
            let folder = "\(Self.cluster)/\(y)/\(m < 10 ? "0" : "")\(m)/\(d < 10 ? "0" : "")\(d)"
            for first in stride(from: 0, to: hosts, by: hostsPerFold) {
                var segments: [SampleIndex.Segment] = []
                for h in first..<min(hosts, first + hostsPerFold) {
                    var bytes: [UInt8] = []
                    for k in 0..<288 {
                        let time = SonarTimestamp.format(epochSeconds: dayStart + Int64(k) * 300, utcOffsetSeconds: 0)
                        for p in 0..<processesPerSample {
                            bytes += Array(
                                ("v=0.12.2,time=\(time),host=host\(h),user=u\(h % 97),cmd=sim,job=\(h * 10 + p),"
                                    + "pid=\(100 + p),cpu%=\(Double((h + k + p) % 400) / 4),cpukib=\(1000 + p),rssanonkib=\(900 + k)\n")
                                    .utf8)
                        }
                    }
                    segments.append(
                        SampleIndex.Segment(relativePath: "\(folder)/host\(h).csv", offset: 0, bytes: bytes))
                }
                try index.fold(segments)
            }
        }
    }

    private func queryLatencies(settings: ReceiverSettings, logger: Logger, caPath: String) async throws {
        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger)
        defer { receiver.server.writer?.shutdown() }
        let lastDay = Self.firstDay + Int64(days - 1) * 86_400
        let range =
            #""range":{"from":"\#(iso(lastDay))","to":"\#(iso(lastDay + 86_400))"},"intervalMs":60000,"maxDataPoints":1000"#
        let bodies = [
            (
                "one host, 24 h",
                #"{\#(range),"targets":[{"refId":"A","target":"host.cpu","payload":{"cluster":"bench","host":"host\#(hosts / 2)"}}]}"#,
                Self.hostBarMilliseconds
            ),
            (
                "cluster total (\(hosts) hosts), 24 h",
                #"{\#(range),"targets":[{"refId":"A","target":"cluster.cpu","payload":{"cluster":"bench"}}]}"#,
                Self.clusterBarMilliseconds
            ),
        ]
        for (name, body, bar) in bodies {
            // The bench's upload client posts any body; the Grafana routes ignore the content type.
            let client = try NodeUploader(
                caPath: caPath, url: "https://127.0.0.1:\(receiver.port)/grafana/query", user: Self.cluster,
                password: Self.password, body: Array(body.utf8), batchPrefix: "query")
            _ = try await client.upload()
            let outcome = await client.drive(until: .now + .seconds(600), limit: queries)
            await client.shutdown()
            let p = Percentiles(outcome.latencies)
            let p50 = p.value(at: 50) * 1000
            print(
                "/grafana/query \(name): \(p.count) ok, \(outcome.failures) failed\(outcome.firstFailure.map { " (\($0))" } ?? ""), "
                    + "p50 \(fmt(p50)) ms, p99 \(fmt(p.value(at: 99) * 1000)) ms")
            print("bar: \(name) p50 <= \(fmt(bar, 0)) ms: \(fmt(p50)) ms \(verdict(p.count > 0 && p50 <= bar))")
        }
        await receiver.stop()
    }

    private func iso(_ t: Int64) -> String { SonarTimestamp.format(epochSeconds: t, utcOffsetSeconds: 0) }
}
