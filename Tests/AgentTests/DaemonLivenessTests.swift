import Dispatch
import FathomAgent
import FathomShared
import FathomTestSupport
import Logging
import Synchronization
import Testing

/// A sampler wedged in a `/proc` read that never returns starves the watchdog: the daemon's
/// liveness reports the sampler stuck once its step outlives the bound, and a watchdog pinger
/// fed by that check withholds `WATCHDOG=1`, while a daemon whose sampler runs stays healthy.
@Suite(.timeLimit(.minutes(2))) struct DaemonLivenessTests {
    /// A /proc whose process listing blocks, once armed, until released.
    final class WedgingProcFS: ProcFS {
        let base: FakeProcFS
        let armed = Atomic<Bool>(false)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        init(_ base: FakeProcFS) { self.base = base }

        func read(_ relativePath: String) -> String? { base.read(relativePath) }
        func pids() -> [Int] {
            if armed.load(ordering: .relaxed) {
                entered.signal()
                release.wait()
            }
            return base.pids()
        }
        func ownerUID(pid: Int) -> UInt32? { base.ownerUID(pid: pid) }
        func userName(uid: UInt32) -> String? { base.userName(uid: uid) }
        var clockTicksPerSecond: Int { base.clockTicksPerSecond }
        var pageSizeBytes: Int { base.pageSizeBytes }
        func now() -> LocalTime { base.now() }
        func hostname() -> String { base.hostname() }
        func kernelModuleLoaded(_ name: String) -> Bool { base.kernelModuleLoaded(name) }
    }

    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func daemon(_ procfs: any ProcFS, dir: TempDirectory, liveness: Liveness) throws -> AgentDaemon {
        var settings = AgentSettings()
        settings.intervalSeconds = 1
        let spool = try SpoolDirectory(path: dir.file("spool"), maxBytes: 1 << 20, logger: quiet)
        // Nothing listens there: delivery keeps retrying, which is idle waiting, not a stuck step.
        let client = try ReceiverClient(
            endpoint: ReceiverEndpoint(
                baseURL: "http://127.0.0.1:9", cluster: "c", user: "u", password: "p", insecureHTTP: true),
            http: try AgentHTTPClient(caFile: nil))
        return AgentDaemon(
            settings: settings, sampler: try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions()),
            sysinfo: SysinfoCollector(procfs: procfs, gpu: []), spool: spool,
            delivery: SpoolDelivery(spool: spool, client: client, logger: quiet, liveness: liveness),
            logger: quiet, liveness: liveness, sampleStepBound: .milliseconds(800))
    }

    @Test func aWedgedSamplerIsReportedStuckAndTheWatchdogCheckFails() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let procfs = WedgingProcFS(FakeProcFS())
        let liveness = Liveness()
        let daemon = try daemon(procfs, dir: dir, liveness: liveness)
        let pinger = WatchdogPinger(
            notifier: .disabled, interval: .seconds(2), logger: quiet
        ) { liveness.stuck().isEmpty }
        #expect(await pinger.check(within: .seconds(1)) == .healthy, "nothing is stuck before the wedge")
        procfs.armed.store(true, ordering: .relaxed)
        let running = Task { await daemon.run() }
        // Wait (off the cooperative pool) until the sampler is inside the wedged read.
        let inside = await BlockingWork.run { procfs.entered.wait(timeout: .now() + 30) == .success }
        #expect(inside, "the sampler reached the wedged read")
        #expect(liveness.stuck().isEmpty, "a step within its bound is not stuck")
        try await Task.sleep(for: .milliseconds(1500))
        let stuck = liveness.stuck()
        #expect(stuck.map(\.name) == ["sampler"], "the wedged sampler is reported: \(stuck)")
        #expect(await pinger.check(within: .seconds(1)) == .unhealthy, "no keep-alive while the sampler is wedged")
        // Unwedge: the step ends, the daemon is healthy again and stops when cancelled.
        procfs.release.signal()
        var healthyAgain = false
        for _ in 0..<100 where !healthyAgain {
            try await Task.sleep(for: .milliseconds(50))
            healthyAgain = liveness.stuck().isEmpty
        }
        #expect(healthyAgain)
        procfs.armed.store(false, ordering: .relaxed)
        running.cancel()
        await running.value
        try await daemon.delivery.receivers.current.http.shutdown()
    }

    @Test func aSamplerThatKeepsTickingStaysHealthy() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let liveness = Liveness()
        let daemon = try daemon(FakeProcFS(), dir: dir, liveness: liveness)
        let running = Task { await daemon.run() }
        var samples = 0
        for _ in 0..<60 where samples < 2 {
            try await Task.sleep(for: .milliseconds(100))
            #expect(liveness.stuck().isEmpty)
            samples = try SpoolDirectory(path: dir.file("spool"), maxBytes: 1 << 20, logger: quiet).pending()
                .filter { $0.kind == UploadKind.samples.rawValue }.count
        }
        #expect(samples >= 2, "the sampler ticked")
        running.cancel()
        await running.value
        try await daemon.delivery.receivers.current.http.shutdown()
    }
}
