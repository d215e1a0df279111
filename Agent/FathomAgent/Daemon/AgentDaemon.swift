import Dispatch
import FathomShared
import Logging

/// The long-running agent: samples at aligned wall-clock ticks and sends sysinfo at start and
/// then daily, writing everything to the durable spool first; a separate delivery task sends
/// the spool after a random delay within the send window, retrying while the receiver is down.
///
/// Scheduled network tests (when configured) run alongside, and their records take the same
/// way: spool first, then delivery, to the receiver's archive. The responder (when enabled)
/// serves peers' throughput tests on its own thread.
///
/// Sampling never waits for delivery, so a receiver outage only grows the (bounded) spool.
public struct AgentDaemon: Sendable {
    public let settings: AgentSettings
    public let sampler: ProcessSampler
    public let sysinfo: SysinfoCollector
    /// Samples interface counters at their own interval; nil when `[interfaces]` is absent.
    public let interfaceSampler: InterfaceSampler?
    public let spool: SpoolDirectory
    public let delivery: SpoolDelivery
    public let scheduler: MeasurementScheduler?
    public let responder: ResponderService?
    public let logger: Logger
    /// The sampler's steps (one sample, one sysinfo) are watched here; delivery reports its sends
    /// to the same instance when it was built with it.
    public let liveness: Liveness

    /// How long one sample (or sysinfo) may take before the daemon counts as wedged.
    public static let sampleStepBound: Duration = .seconds(120)
    /// Wall-clock time for the sampling ticks and the sysinfo interval; tests pass a virtual one,
    /// so days of schedule pass in milliseconds.
    public let clock: any MeasurementClock
    /// The agent's own metrics, written to `settings.metricsTextfile` after each sample, delivery and test run.
    public let metrics: AgentMetrics

    public init(
        settings: AgentSettings, sampler: ProcessSampler, sysinfo: SysinfoCollector, spool: SpoolDirectory,
        delivery: SpoolDelivery, scheduler: MeasurementScheduler? = nil, responder: ResponderService? = nil,
        logger: Logger,
        liveness: Liveness = Liveness(), sampleStepBound: Duration = AgentDaemon.sampleStepBound,
        clock: any MeasurementClock = SystemMeasurementClock(),
        metrics: AgentMetrics = AgentMetrics(), interfaceSampler: InterfaceSampler? = nil
    ) {
        self.liveness = liveness
        liveness.register("sampler", bound: sampleStepBound)
        // Its own loop name: the two loops take steps at the same time.
        if interfaceSampler != nil { liveness.register("interfaces", bound: sampleStepBound) }
        self.settings = settings
        self.sampler = sampler
        self.sysinfo = sysinfo
        self.interfaceSampler = interfaceSampler
        self.spool = spool
        self.delivery = delivery
        self.scheduler = scheduler
        self.responder = responder
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
    }

    /// Replaces the node_exporter textfile (when `[metrics] textfile` is set); a failure is logged,
    /// never fatal: metrics must not stop sampling.
    public func writeMetrics() async {
        guard let path = settings.metricsTextfile else { return }
        // Reading the spool waits on its lock, which an append holds across fsyncs: off the pool.
        await BlockingWork.run { [self] in
            do {
                let writer = TextfileMetricsWriter(path: path, cluster: settings.cluster ?? "")
                try writer.write(metrics.snapshot, spool: spool)
            } catch {
                logger.warning("cannot write metrics textfile", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// Spools one measurement record; the caller then wakes delivery.
    public func spoolMeasurement(_ record: MeasurementRecord) async {
        do {
            _ = try await BlockingWork.run { [spool] in
                try spool.append(kind: MeasurementRecord.spoolKind, payload: record.spoolPayload, recordCount: 1)
            }
        } catch {
            logger.error("cannot spool measurement", metadata: ["test": "\(record.testName)", "error": "\(error)"])
        }
    }

    /// Takes one sample and spools it; returns the number of records.
    @discardableResult
    public func spoolSample() async throws -> Int {
        let timer = ContinuousClock()
        let started = timer.now
        let lines = await liveness.step("sampler") { await sampler.sample() }
        let took = timer.now - started
        metrics.sampled(durationSeconds: Double(took.components.seconds) + Double(took.components.attoseconds) * 1e-18)
        var payload: [UInt8] = []
        for line in lines {
            payload += line.utf8
            payload.append(UInt8(ascii: "\n"))
        }
        // append fsyncs the batch and the directory: blocking work, so not on a cooperative thread.
        _ = try await BlockingWork.run { [spool, payload] in
            try spool.append(kind: UploadKind.samples.rawValue, payload: payload, recordCount: lines.count)
        }
        return lines.count
    }

    public func spoolSysinfo() async throws {
        let json = await liveness.step("sampler") { await sysinfo.sysinfoJSON() }
        _ = try await BlockingWork.run { [spool] in
            try spool.append(kind: UploadKind.sysinfo.rawValue, payload: Array((json + "\n").utf8), recordCount: 1)
        }
    }

    /// Takes one interface sample and spools it as one batch; returns the number of records (0 and
    /// nothing spooled when no sampler is configured or no interface is selected).
    @discardableResult
    public func spoolInterfaces() async throws -> Int {
        guard let interfaceSampler else { return 0 }
        let records = await liveness.step("interfaces") { await BlockingWork.run { interfaceSampler.sample() } }
        guard !records.isEmpty else { return 0 }
        var payload: [UInt8] = []
        for record in records {
            payload += record.line.utf8
            payload.append(UInt8(ascii: "\n"))
        }
        _ = try await BlockingWork.run { [spool, payload] in
            try spool.append(kind: UploadKind.interfaces.rawValue, payload: payload, recordCount: records.count)
        }
        return records.count
    }

    /// Runs until the task is cancelled (SIGTERM): the current send finishes, the spool stays.
    public func run() async {
        let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let schedule = SampleSchedule(intervalSeconds: settings.intervalSeconds)
        let window = SendWindow(seconds: settings.sendWindowSeconds)
        responder?.start()
        await withTaskGroup(of: Void.self) { group in
            if let scheduler, !scheduler.tests.isEmpty {
                group.addTask {
                    await scheduler.run { record in
                        await spoolMeasurement(record)
                        metrics.testRun(succeeded: record.succeeded)
                        await writeMetrics()
                        signal.yield()
                    }
                }
            }
            if let interfaceSampler {
                group.addTask {
                    let schedule = SampleSchedule(intervalSeconds: interfaceSampler.options.intervalSeconds)
                    while !Task.isCancelled {
                        do { try await clock.sleep(until: schedule.nextTick(after: clock.now())) } catch { break }
                        do {
                            let n = try await spoolInterfaces()
                            logger.debug("interface sample spooled", metadata: ["records": "\(n)"])
                        } catch {
                            logger.error("cannot spool interface sample", metadata: ["error": "\(error)"])
                        }
                        signal.yield()
                    }
                }
            }
            group.addTask {
                var nextSysinfo = 0.0
                // Anything left from before a restart goes out first.
                signal.yield()
                while !Task.isCancelled {
                    let now = clock.now()
                    if now >= nextSysinfo {
                        do {
                            try await spoolSysinfo()
                        } catch {
                            logger.error("cannot spool sysinfo", metadata: ["error": "\(error)"])
                        }
                        nextSysinfo = now + Double(settings.sysinfoIntervalSeconds)
                    }
                    let tick = schedule.nextTick(after: now)
                    do { try await clock.sleep(until: tick) } catch { break }
                    do {
                        let n = try await spoolSample()
                        logger.debug("sample spooled", metadata: ["records": "\(n)"])
                    } catch {
                        logger.error("cannot spool sample", metadata: ["error": "\(error)"])
                    }
                    await writeMetrics()
                    signal.yield()
                }
                signal.finish()
            }
            group.addTask {
                var rng = SystemRandomNumberGenerator()
                for await _ in signals {
                    // The random send window spreads a fleet's uploads over the interval.
                    do { try await Task.sleep(for: window.delay(using: &rng)) } catch { break }
                    let outcome = await delivery.drain()
                    await writeMetrics()
                    if outcome.delivered > 0 || outcome.quarantined > 0 {
                        logger.info(
                            "spool delivered",
                            metadata: [
                                "batches": "\(outcome.delivered)", "quarantined": "\(outcome.quarantined)",
                            ])
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
        if let responder {
            // stop() blocks until the accept loop notices (≤ 1 s) and a running test ends.
            await BlockingWork.run { responder.stop() }
        }
    }
}
