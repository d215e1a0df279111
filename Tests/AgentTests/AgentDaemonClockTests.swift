import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Time that jumps to whatever the daemon sleeps until, up to `limit`; past it, time stops and
/// the sleeper waits for cancellation. Three days of ticks pass in moments.
final class StoppingVirtualClock: MeasurementClock {
    private let time: Mutex<Double>
    let limit: Double

    init(start: Double, limit: Double) {
        time = Mutex(start)
        self.limit = limit
    }

    func now() -> Double { time.withLock { $0 } }

    func sleep(until target: Double) async throws {
        try Task.checkCancellation()
        guard target <= limit else {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        time.withLock { $0 = max($0, target) }
        await Task.yield()
    }
}

/// The daemon on a virtual clock: samples on every aligned tick, and sysinfo at start and then
/// once a day (the default `sysinfo.interval`), not with every sample.
@Suite(.timeLimit(.minutes(2))) struct AgentDaemonClockTests {
    @Test func sysinfoIsSpooledAtStartThenOncePerDayBesideHourlySamples() async throws {
        let dir = TempDirectory("fathom-daemon-clock")
        defer { dir.remove() }
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var settings = AgentSettings()
        settings.intervalSeconds = 3600
        #expect(settings.sysinfoIntervalSeconds == 86_400)
        let spool = try SpoolDirectory(path: dir.file("spool"), maxBytes: 64 << 20, logger: logger)
        // Nothing listens on port 9: deliveries fail and every batch stays in the spool to be counted.
        let http = try AgentHTTPClient(caFile: nil)
        let client = try ReceiverClient(
            endpoint: ReceiverEndpoint(
                baseURL: "http://127.0.0.1:9", cluster: "fox", user: "fox", password: "x", insecureHTTP: true),
            http: http)
        let midnight = 1_795_392_000.0  // a UTC midnight
        let clock = StoppingVirtualClock(start: midnight, limit: midnight + 3 * 86_400 + 1_800)
        let daemon = AgentDaemon(
            settings: settings, sampler: try ProcessSampler(procfs: FakeProcFS(), gpu: [], options: SampleOptions()),
            sysinfo: SysinfoCollector(procfs: FakeProcFS(), gpu: []), spool: spool,
            delivery: SpoolDelivery(spool: spool, client: client, logger: logger), logger: logger, clock: clock)
        let task = Task { await daemon.run() }
        func count(_ kind: UploadKind) throws -> Int { try spool.pending().filter { $0.kind == kind.rawValue }.count }
        // 72 hourly ticks in three days; then the clock stops and the daemon waits.
        let deadline = ContinuousClock.now + .seconds(60)
        while try count(.samples) < 72 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await task.value
        try await http.shutdown()
        #expect(try count(.samples) == 72, "one sample per hourly tick")
        // At start, and after each of the three days (the check runs before each sleep).
        #expect(try count(.sysinfo) == 4, "sysinfo at start, then daily")
    }
}
