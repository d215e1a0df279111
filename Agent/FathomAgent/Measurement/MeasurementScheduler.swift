import Logging

/// Runs the configured tests forever, each on its own grid with a random start inside its slip
/// window; exclusive tests (throughput) wait for the host's ``ExclusiveLane`` in arrival order,
/// so they never overlap one another or a test the responder is serving, and none is dropped.
/// A throughput run whose peer is busy tries again after a random back-off
/// (``BusyRetryPolicy``), the lane released meanwhile so the peer's test to us can run; it is
/// archived as failed only when no try found a slot. Every run, failed or not, is handed to
/// `record` (the daemon spools it).
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
        random: @escaping @Sendable () -> UInt64 = {
            var rng = SystemRandomNumberGenerator()
            return rng.next()
        },
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
                result = await runExclusive(test, nominal: nominal, using: &rng)
            } else {
                result = await runner.run(test, start: Int64(clock.now()))
            }
            guard let result else { return }
            if result.succeeded {
                logger.info("test run finished", metadata: ["test": "\(test.name)", "type": "\(test.spec.testType)"])
            } else {
                logger.warning(
                    "test run failed", metadata: ["test": "\(test.name)", "error": "\(result.failureMessage)"])
            }
            await record(result)
            done += 1
            // The next run keeps to the grid; a nominal time that passed while this run was
            // queued or running is skipped (pScheduler calls it missed), never run late twice.
            after = max(Double(nominal), clock.now())
        }
    }
}

extension MeasurementScheduler {
    /// One exclusive run: tries holding the lane, and after a busy peer backs off (lane
    /// released) and tries again until ``BusyRetryPolicy/latestStart(nominal:)``. The record of
    /// the try that found a slot, else the last busy one with the count of tries in its error;
    /// nil when cancelled.
    func runExclusive(_ test: MeasurementTest, nominal: Int64, using rng: inout some RandomNumberGenerator) async
        -> MeasurementRecord?
    {
        let policy = BusyRetryPolicy(schedule: test.schedule)
        let latest = policy.latestStart(nominal: nominal)
        var busyAnswers = 0
        while true {
            if lane.isHeld { logger.info("waiting for the exclusive lane", metadata: ["test": "\(test.name)"]) }
            let cookie = IperfCookie.make()
            guard
                let attempt = await lane.withTurn(
                    guest: cookie, { await runner.attempt(test, start: Int64(clock.now()), cookie: cookie) })
            else { return nil }
            guard case .peerBusy(let record) = attempt else { return attempt.record }
            busyAnswers += 1
            guard let next = policy.nextStart(now: clock.now(), busyAnswers: busyAnswers, latest: latest, using: &rng)
            else {
                return record.noting("no slot at the peer in \(busyAnswers) tries")
            }
            logger.info(
                "peer busy, trying again", metadata: ["test": "\(test.name)", "in_seconds": "\(next - clock.now())"])
            do { try await clock.sleep(until: next) } catch { return nil }
        }
    }
}

extension MeasurementRecord {
    /// The record with `note` added to its error text.
    func noting(_ note: String) -> MeasurementRecord {
        guard case .throughput(let parameters, var result) = outcome else { return self }
        result.error = (result.error.map { $0 + " " } ?? "") + "(\(note))"
        var copy = self
        copy.outcome = .throughput(parameters, result)
        return copy
    }
}

/// Adapts a `() -> UInt64` source to `RandomNumberGenerator`.
struct ClosureRandomNumberGenerator: RandomNumberGenerator {
    let source: @Sendable () -> UInt64
    mutating func next() -> UInt64 { source() }
}
