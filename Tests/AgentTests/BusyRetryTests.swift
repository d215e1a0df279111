import FathomAgent
import FathomShared
import Logging
import Synchronization
import Testing

/// A throughput run whose peer is busy tries again after a random back-off within its slip (or
/// up to the next period's start less its duration), with the lane free meanwhile, and is
/// archived as failed only when no try found a slot; the host's own test is its responder's guest.
@Suite(.timeLimit(.minutes(2))) struct BusyRetryTests {
    func throughput(_ name: String, repeatSeconds: Int, slip: Int, duration: Int = 5) throws -> MeasurementTest {
        MeasurementTest(
            name: name, spec: .throughput(try ThroughputParameters(dest: "10.0.0.2", duration: duration).validated()),
            repeatSeconds: repeatSeconds, slipSeconds: slip)
    }

    func scheduler(
        _ test: MeasurementTest, _ runner: FakeRunner, lane: ExclusiveLane = ExclusiveLane(), clock: VirtualClock,
        seed: UInt64
    )
        -> MeasurementScheduler
    {
        MeasurementScheduler(
            tests: [test], runner: runner, lane: lane, clock: clock, random: MeasurementSchedulerTests.seeded(seed),
            logger: Logger(label: "test"))
    }

    @Test func aBusyPeerIsTriedAgainInsideTheSlipAndOnlyTheRunThatGotASlotIsArchived() async throws {
        let begin = 1_795_410_000.0
        let clock = VirtualClock(start: begin)
        let runner = FakeRunner(peerBusy: { $0 <= 3 })
        let test = try throughput("bw", repeatSeconds: 60, slip: 10)
        let nominal = test.schedule.nominal(after: begin)
        let latest = BusyRetryPolicy(schedule: test.schedule).latestStart(nominal: nominal)
        let sink = RecordSink()
        await scheduler(test, runner, clock: clock, seed: 21).run(runsPerTest: 1) { await sink.add($0) }
        let records = await sink.records
        #expect(records.count == 1 && records.allSatisfy(\.succeeded), "\(records)")
        let starts = runner.starts(of: "bw")
        #expect(starts.count == 4, "three busy answers, then a slot: \(starts)")
        #expect(starts.allSatisfy { $0 >= nominal && Double($0) <= latest }, "\(starts) within \(nominal)…\(latest)")
        #expect(starts == starts.sorted())
        #expect(records.first?.start == starts.last, "the archived run is the try that got the slot")
    }

    @Test func aPeerBusyForTheWholeWindowIsArchivedOnceAsFailedAndTheGridHolds() async throws {
        let begin = 1_795_410_000.0
        let clock = VirtualClock(start: begin)
        let runner = FakeRunner(peerBusy: { _ in true })
        // 20 s period, 10 s slip, 10 s reserved per run: every retry starts by nominal + 10.
        let test = try throughput("bw", repeatSeconds: 20, slip: 10)
        let nominal = test.schedule.nominal(after: begin)
        let sink = RecordSink()
        await scheduler(test, runner, clock: clock, seed: 5).run(runsPerTest: 2) { await sink.add($0) }
        let records = await sink.records
        #expect(records.count == 2 && records.allSatisfy { !$0.succeeded })
        let starts = runner.starts(of: "bw")
        let first = starts.filter { $0 < nominal + 20 }
        #expect(first.count >= 3 && first.allSatisfy { $0 >= nominal && $0 <= nominal + 10 }, "\(starts)")
        #expect(
            records[0].failureMessage.contains("no slot at the peer in \(first.count) tries"),
            "\(records[0].failureMessage)")
        #expect(records[0].failureMessage.hasPrefix(ThroughputError.serverBusy.description))
        #expect(
            starts.filter { $0 >= nominal + 20 }.allSatisfy { $0 <= nominal + 30 },
            "the next period keeps its grid: \(starts)")
    }

    @Test func noRetryWhenTheRunFailsForAnotherReason() async throws {
        let runner = FakeRunner(failing: true)
        let sink = RecordSink()
        await scheduler(
            try throughput("bw", repeatSeconds: 60, slip: 10), runner, clock: VirtualClock(start: 1_795_410_000),
            seed: 3
        )
        .run(runsPerTest: 1) { await sink.add($0) }
        #expect(runner.starts(of: "bw").count == 1)
        #expect(await sink.records.first?.failureMessage == "unable to connect to server")
    }

    /// What this host's responder answers while a scheduled run holds the lane: the run's own
    /// client (its cookie) is a guest, a peer's client is told the server is busy.
    final class AdmissionProbe: MeasurementRunning {
        let lane: ExclusiveLane
        let seen = Mutex<[ExclusiveLane.Admission]>([])
        init(lane: ExclusiveLane) { self.lane = lane }
        func attempt(_ test: MeasurementTest, start: Int64, cookie: [UInt8]) async -> MeasurementAttempt {
            seen.withLock { $0 = [lane.admit(cookie: cookie), lane.admit(cookie: IperfCookie.make())] }
            return await FakeRunner().attempt(test, start: start, cookie: cookie)
        }
    }

    @Test func theHostsOwnTestIsItsResponderGuestWhileOthersAreToldItIsBusy() async throws {
        let lane = ExclusiveLane()
        let probe = AdmissionProbe(lane: lane)
        let scheduler = MeasurementScheduler(
            tests: [try throughput("self", repeatSeconds: 60, slip: 0)], runner: probe, lane: lane,
            clock: VirtualClock(start: 1_795_410_000), random: MeasurementSchedulerTests.seeded(1),
            logger: Logger(label: "test"))
        await scheduler.run(runsPerTest: 1) { _ in }
        #expect(probe.seen.withLock { $0 } == [.guest, .busy])
        #expect(!lane.isHeld, "the guest never took the lane; the run gave it back")
    }

    @Test func laneAdmission() {
        let lane = ExclusiveLane()
        let mine = IperfCookie.make()
        #expect(lane.admit(cookie: mine) == .acquired, "a free lane is the responder's")
        #expect(lane.admit(cookie: mine) == .busy, "a held lane with no guest is busy")
        lane.release()
        #expect(lane.tryAcquire())
        lane.release()
        #expect(!lane.isHeld)
    }

    @Test func backOffWindowsDoubleUpToTheRunAndDelaysStayInside() {
        let schedule = RunSchedule(repeatSeconds: 60, slipSeconds: 10, durationSeconds: 10)
        let policy = BusyRetryPolicy(schedule: schedule)
        #expect(policy.latestStart(nominal: 600) == 650, "slip exhausted: up to the next start less the run")
        #expect(
            BusyRetryPolicy(schedule: RunSchedule(repeatSeconds: 20, slipSeconds: 10, durationSeconds: 10)).latestStart(
                nominal: 600) == 610)
        #expect([1, 2, 3, 4, 9].map { policy.window(busyAnswers: $0) } == [2, 4, 8, 10, 10])
        var rng = SplitMix64(state: 77)
        var delays: Set<Double> = []
        for busy in 1...6 {
            for _ in 0..<200 {
                let next = policy.nextStart(now: 600, busyAnswers: busy, latest: 650, using: &rng)!
                #expect(next >= 600.5 && next <= 600 + policy.window(busyAnswers: busy), "\(next)")
                delays.insert(next)
            }
        }
        #expect(delays.count > 500, "random, in millisecond steps: two hosts rarely draw the same delay")
        #expect(
            policy.nextStart(now: 645, busyAnswers: 4, latest: 650, using: &rng).map { $0 <= 650 } == true,
            "cut to what is left")
        #expect(
            policy.nextStart(now: 649.6, busyAnswers: 1, latest: 650, using: &rng) == nil, "no room: archived as failed"
        )
    }
}
