import FathomAgent
import Testing

@Suite(.timeLimit(.minutes(2))) struct ExclusiveLaneTests {
    @Test func tryAcquireFailsWhileHeldAndSucceedsAfterRelease() {
        let lane = ExclusiveLane()
        #expect(lane.tryAcquire())
        #expect(!lane.tryAcquire(), "a second holder is refused at once")
        lane.release()
        #expect(lane.tryAcquire())
        lane.release()
        #expect(!lane.isHeld)
    }

    @Test func waitersGetTheLaneInArrivalOrderAndNoneIsDropped() async {
        let lane = ExclusiveLane()
        #expect(lane.tryAcquire())
        let order = OrderLog()
        var tasks: [Task<Void, Never>] = []
        for index in 0..<4 {
            tasks.append(
                Task {
                    _ = await lane.withTurn { await order.append(index) }
                })
            // Queue them one by one so arrival order is known.
            while lane.waiting < index + 1 { await Task.yield() }
        }
        #expect(!lane.tryAcquire(), "queued waiters come before a newcomer")
        lane.release()
        for task in tasks { await task.value }
        #expect(await order.entries == [0, 1, 2, 3])
        #expect(!lane.isHeld)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async {
        let lane = ExclusiveLane()
        #expect(lane.tryAcquire())
        let waiter = Task { await lane.acquire() }
        while lane.waiting < 1 { await Task.yield() }
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(lane.waiting == 0)
        lane.release()
        #expect(!lane.isHeld, "the lane is free again, not handed to the cancelled waiter")
    }

    @Test func concurrentTurnsNeverOverlap() async {
        let lane = ExclusiveLane()
        let meter = OverlapMeter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    _ = await lane.withTurn {
                        await meter.enter()
                        try? await Task.sleep(for: .milliseconds(2))
                        await meter.leave()
                    }
                }
            }
        }
        #expect(await meter.maximum == 1)
        #expect(await meter.entries == 16)
    }
}

actor OrderLog {
    var entries: [Int] = []
    func append(_ value: Int) { entries.append(value) }
}

/// Counts how many holders are inside at once.
actor OverlapMeter {
    var inside = 0
    var maximum = 0
    var entries = 0
    func enter() {
        inside += 1
        entries += 1
        maximum = max(maximum, inside)
    }
    func leave() { inside -= 1 }
}
