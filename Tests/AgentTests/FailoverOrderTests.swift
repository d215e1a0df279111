import Synchronization
import Testing

@testable import FathomAgent

/// The rotation policy over fake receivers whose answers each test scripts.
@Suite(.timeLimit(.minutes(1))) struct FailoverOrderTests {
    struct FakeReceiver: FailoverTarget {
        let address: String
    }

    /// Answers by address; records which receiver each call went to.
    final class Script: Sendable {
        let answers: Mutex<[String: DeliveryResult]>
        let calls = Mutex<[String]>([])
        init(_ answers: [String: DeliveryResult]) { self.answers = Mutex(answers) }
        func set(_ address: String, _ result: DeliveryResult) { answers.withLock { $0[address] = result } }
        func upload(_ target: FakeReceiver) -> DeliveryResult {
            calls.withLock { $0.append(target.address) }
            return answers.withLock { $0[target.address] } ?? .acknowledged
        }
        func takeCalls() -> [String] {
            calls.withLock {
                let c = $0
                $0 = []
                return c
            }
        }
    }

    let abc = ["a", "b", "c"].map(FakeReceiver.init(address:))

    @Test func anUnavailableReceiverPassesTheBatchToTheNextAndTheNextStaysCurrent() async {
        let order = FailoverOrder(ordered: abc)
        let script = Script(["a": .unavailable("connection refused")])
        let first = await order.send { script.upload($0) }
        #expect(first.result == .acknowledged && first.target.address == "b" && first.failedOver)
        #expect(
            first.passedOver.map(\.target.address) == ["a"] && first.passedOver.first?.reason == "connection refused")
        #expect(script.takeCalls() == ["a", "b"])
        // Sticky: the next batches go straight to b, even once a is back.
        script.set("a", .acknowledged)
        for _ in 0..<3 {
            let next = await order.send { script.upload($0) }
            #expect(next.target.address == "b" && !next.failedOver)
        }
        #expect(script.takeCalls() == ["b", "b", "b"])
        #expect(order.current.address == "b")
    }

    @Test func aRoundWithoutAnswerEndsUnavailableNamingEveryReceiverAndTriesEachOnce() async {
        let order = FailoverOrder(ordered: abc)
        let script = Script([
            "a": .unavailable("refused"), "b": .unavailable("HTTP 503 busy"), "c": .unavailable("timeout"),
        ])
        let attempt = await order.send { script.upload($0) }
        #expect(script.takeCalls() == ["a", "b", "c"], "each receiver once per round, no more")
        #expect(attempt.result == .unavailable("a: refused; b: HTTP 503 busy; c: timeout"))
        #expect(!attempt.failedOver && order.current.address == "a", "the current one stays for the next round")
        // The next round starts at a again and wraps around from where it is current.
        script.set("c", .acknowledged)
        _ = await order.send { script.upload($0) }
        #expect(script.takeCalls() == ["a", "b", "c"])
        script.set("a", .acknowledged)
        script.set("c", .unavailable("down"))
        _ = await order.send { script.upload($0) }
        #expect(script.takeCalls() == ["c", "a"], "the round starts at the current one and wraps")
    }

    @Test(arguments: [
        DeliveryResult.refused(status: 400, message: "bad line"), .refused(status: 413, message: "too big"),
        .retryLater("HTTP 401 Unauthorized"),
    ])
    func answersEveryReceiverWouldGiveAlikeAreNotTriedElsewhere(_ answer: DeliveryResult) async {
        let order = FailoverOrder(ordered: abc)
        let script = Script(["a": answer])
        let attempt = await order.send { script.upload($0) }
        #expect(attempt.result == answer && attempt.target.address == "a" && attempt.passedOver.isEmpty)
        #expect(script.takeCalls() == ["a"])
    }

    @Test func oneReceiverIsOneTry() async {
        let order = FailoverOrder(ordered: [FakeReceiver(address: "only")])
        let script = Script(["only": .unavailable("refused")])
        let attempt = await order.send { script.upload($0) }
        #expect(attempt.result == .unavailable("refused"), "a single receiver's reason stays as it was")
        #expect(script.takeCalls() == ["only"])
    }

    @Test func theShuffleSpreadsAFleetAndIsFixedByTheSeed() {
        let receivers = (0..<4).map { FakeReceiver(address: "r\($0)") }
        var firsts: [String: Int] = [:]
        for seed in 0..<400 {
            var rng = SplitMix64(state: UInt64(seed))
            let order = FailoverOrder(shuffling: receivers, using: &rng)
            #expect(Set(order.targets.map(\.address)) == Set(receivers.map(\.address)), "a permutation")
            firsts[order.current.address, default: 0] += 1
        }
        #expect(firsts.count == 4 && firsts.values.allSatisfy { $0 > 50 }, "agents start spread over all: \(firsts)")
        var one = SplitMix64(state: 7)
        var two = SplitMix64(state: 7)
        #expect(
            FailoverOrder(shuffling: receivers, using: &one).targets.map(\.address)
                == FailoverOrder(shuffling: receivers, using: &two).targets.map(\.address))
    }
}
