import FathomReceiver
import FathomTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The measurement archive through its real HTTP API on loopback (in-process receiver, plain
/// HTTP, SQLite file in a scratch directory, or with `postgresURL` the PostgreSQL store's
/// database): bulk PUT ingest rate, then read latency of one day of 1-minute throughput points
/// and of a 30-day histogram statistics summary.
///
/// Every PUT is answered only after its transaction committed, so the ingest figure is the
/// durable rate a pScheduler archiver would see, JSON parsing and summaries included.
struct ArchiveBenchmark {
    var points: Int
    var bulk: Int
    var queries: Int
    var clients: Int
    /// The archive in this PostgreSQL database (`fathom-bench postgres`) instead of a SQLite file.
    var postgresURL: String? = nil

    static let ingestBar = 50_000.0
    static let dayQueryP50BarMilliseconds = 5.0
    static let token = "bench-archive-token-0123456789abcdef"
    /// A UTC midnight, so day queries align with the daily summary bins.
    static let start: Int64 = 1_599_955_200
    static let day: Int64 = 86_400

    func run() async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench-archive")
        defer { scratch.remove() }
        // SQLite syncs on every commit: on a tmpfs those figures would mean nothing.
        let filesystem = try ScratchFilesystem.check(scratch.path)
        // 30 days of 1-minute histograms at most, fewer when --points scales the run down.
        let histogramPoints = min(30 * 1_440, max(1_440, points / 23))
        print(
            "== archive on \(postgresURL == nil ? "SQLite" : "PostgreSQL"): \(points) throughput + "
                + "\(histogramPoints) histogram points, PUT bulks of \(bulk), \(clients) writers, "
                + "\(queries) queries each, scratch \(scratch.path) on \(filesystem) ==")

        let credentials = scratch.path + "/credentials"
        try "unused:unused\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        let apiKeys = scratch.path + "/api-keys"
        try "bench:\(Self.token)\n".write(toFile: apiKeys, atomically: true, encoding: .utf8)
        var settings = ReceiverSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.insecureHTTP = true
        settings.dataDirectory = scratch.path + "/data"
        settings.credentialsPath = credentials
        settings.archive = ArchiveSettings(
            databasePath: postgresURL == nil ? scratch.path + "/archive.sqlite" : nil, apiKeysPath: apiKeys)
        settings.archive?.maxBodyBytes = 64 << 20
        var logger = Logger(label: "fathom-bench.archive")
        logger.logLevel = .critical

        var archiveStore: PostgresArchiveStore?
        if let postgresURL {
            archiveStore = try await PostgresArchiveStore.open(
                settings: StoreSettings(url: postgresURL), logger: logger)
        }
        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger, archiveStore: archiveStore)
        let server = receiver.server
        let port = receiver.port
        let client = ArchiveClient(port: port, token: Self.token, connections: clients)
        let outcome: Result<Void, any Error>
        do {
            outcome = .success(try await measure(client, histogramPoints: histogramPoints, scratch: scratch.path))
        } catch {
            outcome = .failure(error)
        }
        await client.shutdown()
        await receiver.stop()
        server.writer?.shutdown()
        await archiveStore?.close()
        try outcome.get()
    }

    private func measure(_ client: ArchiveClient, histogramPoints: Int, scratch: String) async throws {
        let throughputKey = try await client.createMetadata(
            Self.metadata(
                tool: "pscheduler/iperf3",
                eventTypes:
                    #"[{"event-type":"throughput","summaries":[{"summary-type":"average","summary-window":86400}]}]"#))
        // pScheduler's latency archiving: aggregations and statistics at 5 min, 1 h and 1 day.
        let histogramKey = try await client.createMetadata(
            Self.metadata(
                tool: "pscheduler/powstream",
                eventTypes: #"[{"event-type":"histogram-owdelay","summaries":["#
                    + [300, 3600, 86400].map { #"{"summary-type":"aggregation","summary-window":\#($0)}"# }.joined(
                        separator: ",")
                    + ","
                    + [0, 300, 3600, 86400].map { #"{"summary-type":"statistics","summary-window":\#($0)}"# }.joined(
                        separator: ",")
                    + "]}]"))

        let throughputBodies = ArchiveBulkBodies.throughput(count: points, perBody: bulk, start: Self.start)
        let ingest = try await put(client, key: throughputKey, bodies: throughputBodies)
        print(
            "ingest throughput (+ daily average): \(points) points in \(fmt(ingest.seconds)) s = "
                + "\(fmt(Double(points) / ingest.seconds, 0)) points/s; PUT p50 \(ms(ingest.latencies, 50)) ms, "
                + "p99 \(ms(ingest.latencies, 99)) ms")
        let histogramBodies = ArchiveBulkBodies.histograms(count: histogramPoints, perBody: bulk, start: Self.start)
        let histogramIngest = try await put(client, key: histogramKey, bodies: histogramBodies)
        print(
            "ingest histogram-owdelay (+ 3 aggregations, 4 statistics): \(histogramPoints) points in "
                + "\(fmt(histogramIngest.seconds)) s = \(fmt(Double(histogramPoints) / histogramIngest.seconds, 0)) points/s"
        )
        if postgresURL == nil {
            // The WAL holds what has not been checkpointed yet, so both files make up the archive.
            let size = ["", "-wal"].reduce(0) { total, suffix in
                total
                    + ((try? FileManager.default.attributesOfItem(atPath: scratch + "/archive.sqlite" + suffix)[.size]
                        as? Int) ?? 0)
            }
            print("archive.sqlite + WAL: \(fmt(Double(size) / 1e6, 1)) MB")
        }

        // Random whole days inside the stored range (a fixed seed: runs are comparable).
        let days = max(1, Int64(points) * 60 / Self.day)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        let dayPaths = (0..<queries).map { _ -> String in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let begin = Self.start + Int64((seed >> 33) % UInt64(days)) * Self.day
            return "\(throughputKey)/throughput/base?time-start=\(begin)&time-end=\(begin + Self.day - 1)"
        }
        let dayExpected = min(points, 1_440)
        let dayLatencies = try await timedQueries(client, paths: dayPaths, expect: dayExpected)
        print(
            "GET one day of 1-minute throughput (\(dayExpected) points): p50 \(ms(dayLatencies, 50)) ms, "
                + "p99 \(ms(dayLatencies, 99)) ms over \(queries) queries")

        let span = 30 * Self.day
        let statsPath =
            "\(histogramKey)/histogram-owdelay/statistics/3600?time-start=\(Self.start)&time-end=\(Self.start + span - 1)"
        let statsExpected = (histogramPoints * 60 + 3_599) / 3_600
        let statsLatencies = try await timedQueries(
            client, paths: Array(repeating: statsPath, count: queries), expect: statsExpected)
        print(
            "GET 30-day histogram statistics/3600 (\(statsExpected) points): p50 \(ms(statsLatencies, 50)) ms, "
                + "p99 \(ms(statsLatencies, 99)) ms over \(queries) queries")

        let rate = Double(points) / ingest.seconds
        let p50 = dayLatencies.value(at: 50) * 1000
        print(
            "bar: ingest >= \(fmt(Self.ingestBar, 0)) points/s: \(fmt(rate, 0)) points/s \(verdict(rate >= Self.ingestBar))"
        )
        print(
            "bar: one-day query p50 <= \(fmt(Self.dayQueryP50BarMilliseconds, 0)) ms: \(fmt(p50)) ms "
                + verdict(p50 <= Self.dayQueryP50BarMilliseconds))
    }

    private struct Ingest {
        var seconds: Double
        var latencies: Percentiles
    }

    /// PUTs every body, `clients` at a time (writer c takes bodies c, c+clients, …); fails on any
    /// answer but 201.
    private func put(_ client: ArchiveClient, key: String, bodies: [ByteBuffer]) async throws -> Ingest {
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var mine: [Double] = []
                    for i in stride(from: c, to: bodies.count, by: clients) {
                        let sent = clock.now
                        let reply = try await client.send(.PUT, key + "/", json: bodies[i])
                        guard reply.status == 201 else {
                            throw Subprocess.Failure(
                                description: "bulk PUT got HTTP \(reply.status): \(reply.text.prefix(300))")
                        }
                        mine.append((clock.now - sent).seconds)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Ingest(seconds: (clock.now - start).seconds, latencies: Percentiles(latencies))
    }

    /// GETs each path in turn on one connection (latency, not concurrency, is what is judged);
    /// the first answer is checked for the expected number of points.
    private func timedQueries(_ client: ArchiveClient, paths: [String], expect: Int) async throws -> Percentiles {
        let clock = ContinuousClock()
        var latencies: [Double] = []
        for (i, path) in paths.enumerated() {
            let sent = clock.now
            let reply = try await client.send(.GET, path)
            latencies.append((clock.now - sent).seconds)
            guard reply.status == 200 else {
                throw Subprocess.Failure(description: "GET \(path) got HTTP \(reply.status): \(reply.text.prefix(300))")
            }
            if i == 0 {
                let count = (try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [Any])?
                    .count
                guard count == expect else {
                    throw Subprocess.Failure(
                        description: "GET \(path) returned \(count ?? -1) points, expected \(expect)")
                }
            }
        }
        return Percentiles(latencies)
    }

    private func ms(_ latencies: Percentiles, _ p: Double) -> String { fmt(latencies.value(at: p) * 1000) }

    static func metadata(tool: String, eventTypes: String) -> String {
        #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1","#
            + #""input-source":"a.example.org","input-destination":"b.example.org","tool-name":"\#(tool)","event-types":\#(eventTypes)}"#
    }
}
