import Logging

/// Runs the configured tests forever, each on its own grid with a random start inside its slip
/// window; exclusive tests (throughput) wait for the host's ``ExclusiveLane`` in arrival order,
/// so they never overlap one another or a test the responder is serving, and none is dropped.
/// Every run, failed or not, is handed to `record` (the daemon spools it).
///
/// ```swift
/// let scheduler = MeasurementScheduler(tests: settings.tests, lane: lane, logger: logger)
/// await scheduler.run { record in try? spool.append(kind: MeasurementRecord.spoolKind, payload: record.spoolPayload, recordCount: 1) }
/// ```
public struct MeasurementScheduler: Sendable {
    public let tests: [MeasurementTest]
    public let runner: any MeasurementRunning
    public let lane: ExclusiveLane
    public let clock: any MeasurementClock
    /// Source of randomness for slip offsets: a seeded generator in tests, the system one otherwise.
    public let random: @Sendable () -> UInt64
    public let logger: Logger

    public init(
        tests: [MeasurementTest], runner: any MeasurementRunning = ProbeMeasurementRunner(), lane: ExclusiveLane,
        clock: any MeasurementClock = SystemMeasurementClock(),
        random: @escaping @Sendable () -> UInt64 = { var rng = SystemRandomNumberGenerator(); return rng.next() },
        logger: Logger
    ) {
        self.tests = tests
        self.runner = runner
        self.lane = lane
        self.clock = clock
        self.random = random
        self.logger = logger
    }

    /// Runs every test until cancelled, or until each has run `runsPerTest` times.
    public func run(runsPerTest: Int? = nil, record: @escaping @Sendable (MeasurementRecord) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for test in tests {
                group.addTask { await loop(test, runs: runsPerTest, record: record) }
            }
        }
    }

    /// One test's runs: sleep to a start inside the slip, take the lane if exclusive, run, hand over.
    func loop(_ test: MeasurementTest, runs: Int?, record: @Sendable (MeasurementRecord) async -> Void) async {
        let schedule = test.schedule
        var rng = ClosureRandomNumberGenerator(source: random)
        var after = clock.now()
        var done = 0
        while runs.map({ done < $0 }) ?? true {
            let nominal = schedule.nominal(after: after)
            let start = schedule.start(nominal: nominal, using: &rng)
            logger.debug("test scheduled", metadata: ["test": "\(test.name)", "start": "\(start)"])
            do { try await clock.sleep(until: Double(start)) } catch { return }
            let result: MeasurementRecord?
            if test.spec.isExclusive {
                if lane.isHeld { logger.info("waiting for the exclusive lane", metadata: ["test": "\(test.name)"]) }
                result = await lane.withTurn { await runner.run(test, start: Int64(clock.now())) }
            } else {
                result = await runner.run(test, start: Int64(clock.now()))
            }
            guard let result else { return }
            if result.succeeded {
                logger.info("test run finished", metadata: ["test": "\(test.name)", "type": "\(test.spec.testType)"])
            } else {
                logger.warning("test run failed", metadata: ["test": "\(test.name)", "error": "\(result.failureMessage)"])
            }
            await record(result)
            done += 1
            // The next run keeps to the grid; a nominal time that passed while this run was
            // queued or running is skipped (pScheduler calls it missed), never run late twice.
            after = max(Double(nominal), clock.now())
        }
    }
}

/// Adapts a `() -> UInt64` source to `RandomNumberGenerator`.
struct ClosureRandomNumberGenerator: RandomNumberGenerator {
    let source: @Sendable () -> UInt64
    mutating func next() -> UInt64 { source() }
}
