import FathomAgent
import FathomShared
import Logging
import Synchronization
import Testing

/// Time that jumps to whatever a sleeper waits for: days of schedule pass in milliseconds.
final class VirtualClock: MeasurementClock {
    private let time: Mutex<Double>
    init(start: Double) { time = Mutex(start) }
    func now() -> Double { time.withLock { $0 } }
    /// Moves time forward to `target` (never back), as the world does while a run waits.
    func advance(to target: Double) { time.withLock { $0 = max($0, target) } }
    func sleep(until target: Double) async throws {
        try Task.checkCancellation()
        time.withLock { $0 = max($0, target) }
        await Task.yield()
    }
}

/// Records each run's start and pretends to measure; `failing` makes every run fail as a
/// real probe does (a record with `succeeded: false`); a throughput try whose number (1, 2, …)
/// `peerBusy` accepts finds the peer busy, as iperf3's ACCESS_DENIED makes a real one.
final class FakeRunner: MeasurementRunning {
    let failing: Bool
    let busyFor: Duration
    let peerBusy: @Sendable (Int) -> Bool
    let meter = OverlapMeter()
    private let starts = Mutex<[String: [Int64]]>([:])
    private let cookies = Mutex<[[UInt8]]>([])

    init(failing: Bool = false, busyFor: Duration = .zero, peerBusy: @escaping @Sendable (Int) -> Bool = { _ in false })
    {
        self.failing = failing
        self.busyFor = busyFor
        self.peerBusy = peerBusy
    }

    func starts(of name: String) -> [Int64] { starts.withLock { $0[name] ?? [] } }
    var cookiesSeen: [[UInt8]] { cookies.withLock { $0 } }

    func attempt(_ test: MeasurementTest, start: Int64, cookie: [UInt8]) async -> MeasurementAttempt {
        let tries = starts.withLock {
            $0[test.name, default: []].append(start)
            return $0[test.name]!.count
        }
        cookies.withLock { $0.append(cookie) }
        if test.spec.isExclusive && peerBusy(tries) {
            let busy = MeasurementRecord(
                runID: RandomHexID.make(), testName: test.name, sourceAddress: "10.0.0.1", destAddress: "10.0.0.2",
                start: start,
                outcome: .throughput(
                    ThroughputParameters(dest: "10.0.0.2"), .failure(ThroughputError.serverBusy.description)))
            return .peerBusy(busy)
        }
        if test.spec.isExclusive { await meter.enter() }
        if busyFor > .zero { try? await Task.sleep(for: busyFor) }
        if test.spec.isExclusive { await meter.leave() }
        let outcome: MeasurementOutcome =
            switch test.spec {
            case .trace(let parameters):
                .trace(parameters, failing ? .failure("unable to connect to server") : TraceResult(paths: []))
            case .throughput(let parameters):
                .throughput(parameters, failing ? .failure("unable to connect to server") : ThroughputResult())
            case .rtt(let parameters):
                .rtt(parameters, failing ? .failure("unable to connect to server") : RTTTally().result())
            }
        return .finished(
            MeasurementRecord(
                runID: RandomHexID.make(), testName: test.name, sourceAddress: "10.0.0.1", destAddress: "10.0.0.2",
                start: start,
                outcome: outcome))
    }
}

actor RecordSink {
    var records: [MeasurementRecord] = []
    func add(_ record: MeasurementRecord) { records.append(record) }
}

@Suite(.timeLimit(.minutes(2))) struct MeasurementSchedulerTests {
    static func seeded(_ seed: UInt64) -> @Sendable () -> UInt64 {
        let rng = Mutex(SplitMix64(state: seed))
        return { rng.withLock { $0.next() } }
    }

    func trace(_ name: String, repeatSeconds: Int, slip: Int) throws -> MeasurementTest {
        MeasurementTest(
            name: name, spec: .trace(try TraceParameters(dest: "10.0.0.2").validated()), repeatSeconds: repeatSeconds,
            slipSeconds: slip)
    }

    func throughput(_ name: String, repeatSeconds: Int, slip: Int) throws -> MeasurementTest {
        MeasurementTest(
            name: name, spec: .throughput(try ThroughputParameters(dest: "10.0.0.2", duration: 5).validated()),
            repeatSeconds: repeatSeconds,
            slipSeconds: slip)
    }

    @Test func runsStartAtRandomSecondsInsideTheirSlipAndKeepTheGrid() async throws {
        let clock = VirtualClock(start: 1_795_410_000.5)
        let runner = FakeRunner()
        let sink = RecordSink()
        let test = try trace("t", repeatSeconds: 3600, slip: 900)
        let scheduler = MeasurementScheduler(
            tests: [test], runner: runner, lane: ExclusiveLane(), clock: clock, random: Self.seeded(3),
            logger: Logger(label: "test"))
        await scheduler.run(runsPerTest: 300) { await sink.add($0) }
        let starts = runner.starts(of: "t")
        #expect(starts.count == 300)
        #expect(await sink.records.count == 300)
        let offsets = starts.map { $0 % 3600 }
        let nominals = starts.map { $0 - $0 % 3600 }
        #expect(offsets.allSatisfy { $0 < 900 }, "every start inside [nominal, nominal + slip)")
        #expect(
            zip(nominals, nominals.dropFirst()).allSatisfy { $1 - $0 == 3600 },
            "one run per period, no drift, none skipped")
        // Spread over the window, not bunched: each third of it gets a fair share.
        for third in 0..<3 {
            let count = offsets.filter { $0 / 300 == third }.count
            #expect((60...140).contains(count), "third \(third) of the slip got \(count) of 300 starts")
        }
    }

    @Test func differentAgentsSpreadTheirRunsOfTheSameTest() async throws {
        var firstStarts: Set<Int64> = []
        for seed in 0..<20 {
            let runner = FakeRunner()
            let scheduler = MeasurementScheduler(
                tests: [try trace("t", repeatSeconds: 3600, slip: 3600)], runner: runner, lane: ExclusiveLane(),
                clock: VirtualClock(start: 1_795_410_000), random: Self.seeded(UInt64(seed) * 7919 + 1),
                logger: Logger(label: "test"))
            await scheduler.run(runsPerTest: 1) { _ in }
            firstStarts.insert(runner.starts(of: "t")[0])
        }
        #expect(
            firstStarts.count >= 15, "20 agents with an hour of slip should not start together: \(firstStarts.sorted())"
        )
    }

    @Test func throughputRunsNeverOverlapAndAreQueuedNotDropped() async throws {
        let runner = FakeRunner(busyFor: .milliseconds(15))
        let sink = RecordSink()
        // Three throughput tests on the same grid with no slip: all want the same second.
        let tests =
            try (0..<3).map { try throughput("bw\($0)", repeatSeconds: 60, slip: 0) } + [
                try trace("tr", repeatSeconds: 60, slip: 0)
            ]
        let scheduler = MeasurementScheduler(
            tests: tests, runner: runner, lane: ExclusiveLane(), clock: VirtualClock(start: 1_795_410_000),
            random: Self.seeded(5),
            logger: Logger(label: "test"))
        await scheduler.run(runsPerTest: 4) { await sink.add($0) }
        #expect(await runner.meter.maximum == 1, "two throughput tests ran at once")
        #expect(await runner.meter.entries == 12, "every queued throughput run ran")
        for name in ["bw0", "bw1", "bw2", "tr"] {
            #expect(runner.starts(of: name).count == 4)
        }
        #expect(await sink.records.count == 16)
    }

    @Test func failedRunsAreRecordedAndMapToFailures() async throws {
        let runner = FakeRunner(failing: true)
        let sink = RecordSink()
        let scheduler = MeasurementScheduler(
            tests: [try throughput("bw", repeatSeconds: 600, slip: 60)], runner: runner, lane: ExclusiveLane(),
            clock: VirtualClock(start: 1_795_410_000), random: Self.seeded(9), logger: Logger(label: "test"))
        await scheduler.run(runsPerTest: 3) { await sink.add($0) }
        let records = await sink.records
        #expect(records.count == 3)
        for record in records {
            #expect(!record.succeeded)
            let point = EsmondRecordMapping.map(record).data["data"]
            guard case .array(let points)? = point, case .array(let values)? = points.first?["val"] else {
                Issue.record("no data point")
                continue
            }
            #expect(
                values == [
                    .object([
                        "event-type": .string("failures"),
                        "val": .object(["error": .string("unable to connect to server")]),
                    ])
                ])
        }
    }

    @Test func lateQueuedRunSkipsTheSuccessorsWhoseTimePassedMeanwhile() async throws {
        let begin = 1_795_410_000.0
        let clock = VirtualClock(start: begin)
        let lane = ExclusiveLane()
        #expect(lane.tryAcquire(), "another throughput test holds the host")
        let runner = FakeRunner()
        let test = try throughput("bw", repeatSeconds: 60, slip: 0)
        let first = test.schedule.nominal(after: begin)
        let scheduler = MeasurementScheduler(
            tests: [test], runner: runner, lane: lane, clock: clock, random: Self.seeded(11),
            logger: Logger(label: "test"))
        let ended = Flag()
        let task = Task {
            await scheduler.run(runsPerTest: 2) { _ in }
            ended.set()
        }
        defer { task.cancel() }
        // The first run is due and queued behind the lane; two successors' times pass meanwhile.
        let deadline = ContinuousClock.now + .seconds(30)
        while lane.waiting == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(lane.waiting == 1 && runner.starts(of: "bw").isEmpty, "the run waits for the lane")
        clock.advance(to: Double(first) + 150)
        lane.release()
        while !ended.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ended.isSet)
        // Ran late once (at +150), then the next grid time after it (+180): +60 and +120 were
        // skipped, never run late one after the other.
        #expect(runner.starts(of: "bw") == [first + 150, first + 180])
    }

    @Test func cancellingStopsEveryLoop() async throws {
        let runner = FakeRunner()
        let tests = [
            try trace("t1", repeatSeconds: 3600, slip: 0), try trace("t2", repeatSeconds: 3600, slip: 0),
            try throughput("bw", repeatSeconds: 3600, slip: 0),
        ]
        let scheduler = MeasurementScheduler(
            tests: tests, runner: runner, lane: ExclusiveLane(), logger: Logger(label: "test"))
        // The real clock: the first runs are up to an hour away, so only cancellation ends this.
        let ended = Flag()
        let task = Task {
            await scheduler.run { _ in }
            ended.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        // Waits at most 30 s (polling, never `await task.value`, which a broken cancellation would hang).
        let deadline = ContinuousClock.now + .seconds(30)
        while !ended.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(ended.isSet, "run() still going 30 s after its task was cancelled")
        let startsAtEnd = ["t1", "t2", "bw"].map { runner.starts(of: $0).count }
        try await Task.sleep(for: .milliseconds(100))
        #expect(
            ["t1", "t2", "bw"].map { runner.starts(of: $0).count } == startsAtEnd,
            "a loop started a run after run() returned")
    }
}

/// A one-way flag a task sets when it ends, read by a test polling against a deadline.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
