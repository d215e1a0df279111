import AsyncHTTPClient
import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `/fleet` and `/fleet.json` of a receiver that knows `hosts` hosts (10 clusters, a tenth of them
/// late or silent), through the real HTTP stack on loopback (in-process receiver, plain HTTP, one
/// keep-alive connection, Basic auth with a plain password). The registry is filled directly, not
/// by uploads: the figure is the page's cost, not ingest's. Bar: `/fleet` p50 ≤ 100 ms at 10,000 hosts.
struct FleetBenchmark {
    var hosts: Int
    var requests: Int

    static let barMilliseconds = 100.0
    static let password = "bench-fleet-secret"

    func run() async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench-fleet")
        defer { scratch.remove() }
        print("== fleet: \(hosts) hosts in 10 clusters, \(requests) requests per page, scratch \(scratch.path) ==")
        let credentials = scratch.path + "/credentials"
        try "admin:\(Self.password) clusters=*\n".write(toFile: credentials, atomically: true, encoding: .utf8)
        var settings = ReceiverSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.insecureHTTP = true
        settings.dataDirectory = scratch.path + "/data"
        settings.credentialsPath = credentials
        var logger = Logger(label: "fathom-bench.fleet")
        logger.logLevel = .critical
        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger)
        let now = Int64(Date().timeIntervalSince1970)
        Self.fill(receiver.server.fleet, hosts: hosts, now: now)

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let outcome: Result<Void, any Error>
        do {
            let view = Self.timed(requests) { _ = receiver.server.fleet.view(now: now) { _ in true } }
            let whole = receiver.server.fleet.view(now: now) { _ in true }
            let render = Self.timed(requests) { _ = FleetPage.render(whole) }
            print("in process: view p50 \(ms(view, 50)) ms, HTML render p50 \(ms(render, 50)) ms")
            var pageP50 = 0.0
            for path in ["/fleet", "/fleet.json"] {
                let (latencies, size) = try await get(http, "http://127.0.0.1:\(receiver.port)\(path)")
                print(
                    "GET \(path): \(fmt(Double(size) / 1e6, 2)) MB, p50 \(ms(latencies, 50)) ms, p95 \(ms(latencies, 95)) ms, "
                        + "max \(fmt(latencies.max * 1000)) ms over \(requests) requests")
                if path == "/fleet" { pageP50 = latencies.value(at: 50) * 1000 }
            }
            print(
                "bar: /fleet with \(hosts) hosts p50 <= \(fmt(Self.barMilliseconds, 0)) ms: \(fmt(pageP50)) ms "
                    + verdict(pageP50 <= Self.barMilliseconds))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await http.shutdown()
        await receiver.stop()
        receiver.server.writer?.shutdown()
        try outcome.get()
    }

    /// Hosts that upload every 300 s; every 20th stopped 10 minutes ago (late), every 20th (offset)
    /// an hour ago (silent), each with sysinfo, a version and a backlog as an agent sends them.
    static func fill(_ registry: FleetRegistry, hosts: Int, now: Int64) {
        for i in 0..<hosts {
            let cluster = "cluster\(i % 10)"
            let host = "node\(String(format: "%05d", i))"
            let last = i % 20 == 0 ? now - 600 : i % 20 == 1 ? now - 3_600 : now - Int64(i % 300)
            let line =
                "v=0.12.2,time=\(SonarTimestamp.format(epochSeconds: last, utcOffsetSeconds: 0)),host=\(host),pid=1\n"
            let samples = FleetUpload.samples(
                cluster: cluster,
                appends: [FileAppend(relativePath: "\(cluster)/2026/12/05/\(host).csv", bytes: Array(line.utf8))],
                agentVersion: FathomVersion.string, backlog: SpoolBacklog(batches: i % 3, bytes: (i % 3) * 9_000))
            for k in stride(from: 4, through: 0, by: -1) { registry.record(samples, at: last - Int64(k) * 300) }
            let sysinfo =
                #"{"timestamp":"2026-12-05T00:00:00Z","hostname":"\#(host)","cpu_cores":128,"mem_gb":512,"gpu_cards":\#(i % 5)}"#
            registry.record(
                FleetUpload.sysinfo(
                    cluster: cluster,
                    appends: [
                        FileAppend(
                            relativePath: "\(cluster)/2026/12/05/sysinfo-\(host).json",
                            bytes: Array(sysinfo.utf8))
                    ],
                    agentVersion: nil, backlog: nil), at: last)
        }
    }

    static func timed(_ count: Int, _ body: () -> Void) -> Percentiles {
        let clock = ContinuousClock()
        return Percentiles(
            (0..<count).map { _ in
                let start = clock.now
                body()
                return seconds(clock.now - start)
            })
    }

    private func get(_ http: HTTPClient, _ url: String) async throws -> (Percentiles, Int) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(
            name: "Authorization", value: BasicAuthorization.header(user: "admin", password: Self.password))
        var latencies: [Double] = []
        var size = 0
        let clock = ContinuousClock()
        for _ in 0..<requests {
            let start = clock.now
            let response = try await http.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 256 << 20)
            latencies.append(Self.seconds(clock.now - start))
            guard response.status == .ok else {
                throw Subprocess.Failure(description: "GET \(url): \(response.status)")
            }
            size = body.readableBytes
        }
        return (Percentiles(latencies), size)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private func ms(_ p: Percentiles, _ at: Double) -> String { fmt(p.value(at: at) * 1000) }
}
