import FathomAgent
import Testing

@Suite(.timeLimit(.minutes(2))) struct SendWindowTests {
    @Test func zeroAndInvalidWindowsGiveNoDelay() {
        var rng = SplitMix64(state: 1)
        for seconds in [0, -5, .nan, 1e-12] {
            #expect(SendWindow(seconds: seconds).delay(using: &rng) == .zero)
        }
        #expect(SendWindow(seconds: -5).seconds == 0)
        #expect(SendWindow(seconds: .infinity).seconds == SendWindow.maxSeconds)
    }

    @Test func delaysStayInsideTheWindowAndCoverIt() {
        var rng = SplitMix64(state: 42)
        let window = SendWindow(seconds: 60)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<10_000 {
            let delay = window.delay(using: &rng)
            #expect(delay >= .zero && delay < .seconds(60))
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            buckets[Int(seconds / 6)] += 1
        }
        // Uniform: each tenth of the window gets about 1000 draws, and both halves are used.
        #expect(buckets.allSatisfy { (800...1200).contains($0) })
        #expect(buckets[..<5].reduce(0, +) > 4000 && buckets[5...].reduce(0, +) > 4000)
    }

    @Test func tinyWindowNeverReachesItsEnd() {
        var rng = SplitMix64(state: 7)
        let window = SendWindow(seconds: 0.000_000_003)  // three nanoseconds
        var seen = Set<Duration>()
        for _ in 0..<1000 { seen.insert(window.delay(using: &rng)) }
        #expect(seen == [.nanoseconds(0), .nanoseconds(1), .nanoseconds(2)])
    }

    @Test func sameSeedGivesSameDelays() {
        var a = SplitMix64(state: 99)
        var b = SplitMix64(state: 99)
        let window = SendWindow(seconds: 300)
        #expect((0..<20).map { _ in window.delay(using: &a) } == (0..<20).map { _ in window.delay(using: &b) })
    }
}
