import FathomAgent
import Testing

@Suite(.timeLimit(.minutes(2))) struct RetryBackoffTests {
    @Test func ceilingDoublesUntilTheCap() {
        let backoff = RetryBackoff()
        #expect(backoff.ceiling(attempt: 0) == .seconds(1))
        #expect(backoff.ceiling(attempt: 1) == .seconds(2))
        #expect(backoff.ceiling(attempt: 5) == .seconds(32))
        #expect(backoff.ceiling(attempt: 8) == .seconds(256))
        #expect(backoff.ceiling(attempt: 9) == .seconds(300))
        #expect(backoff.ceiling(attempt: 10_000) == .seconds(300))
        #expect(backoff.ceiling(attempt: .max) == .seconds(300))
        #expect(backoff.ceiling(attempt: -3) == .seconds(1))
    }

    @Test func delaysNeverExceedTheCeiling() {
        var rng = SplitMix64(state: 2024)
        let backoff = RetryBackoff(base: .milliseconds(500), factor: 3, cap: .seconds(60))
        for attempt in 0..<40 {
            let ceiling = backoff.ceiling(attempt: attempt)
            #expect(ceiling <= .seconds(60))
            for _ in 0..<200 {
                let delay = backoff.delay(attempt: attempt, using: &rng)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
    }

    @Test func firstAttemptIsShort() {
        var rng = SplitMix64(state: 5)
        let backoff = RetryBackoff()
        for _ in 0..<1000 { #expect(backoff.delay(attempt: 0, using: &rng) <= .seconds(1)) }
    }

    @Test func fullJitterSpreadsOverTheWholeRange() {
        var rng = SplitMix64(state: 31337)
        let backoff = RetryBackoff()
        var low = 0
        var high = 0
        var smallest = Duration.seconds(300)
        var largest = Duration.zero
        for _ in 0..<10_000 {
            let delay = backoff.delay(attempt: 20, using: &rng)
            if delay < .seconds(150) { low += 1 } else { high += 1 }
            smallest = min(smallest, delay)
            largest = max(largest, delay)
        }
        // Uniform over [0, 300 s]: both halves get about 5000 draws, and the extremes are approached.
        #expect((4700...5300).contains(low))
        #expect((4700...5300).contains(high))
        #expect(smallest < .seconds(1))
        #expect(largest > .seconds(299))
    }

    @Test func badParametersAreClamped() {
        let backoff = RetryBackoff(base: .seconds(-1), factor: 0.5, cap: .seconds(-10))
        #expect(backoff.base == .zero)
        #expect(backoff.factor == 1)
        #expect(backoff.cap == .zero)
        var rng = SplitMix64(state: 1)
        #expect(backoff.delay(attempt: 3, using: &rng) == .zero)
        #expect(RetryBackoff(base: .seconds(10), cap: .seconds(5)).cap == .seconds(10))
        #expect(RetryBackoff(factor: .nan).ceiling(attempt: 50) == .seconds(1))
    }

    @Test func hugeDurationsSaturateInsteadOfTrapping() {
        let backoff = RetryBackoff(base: .seconds(1), cap: .seconds(Int64.max))
        var rng = SplitMix64(state: 3)
        let delay = backoff.delay(attempt: 1000, using: &rng)
        #expect(delay >= .zero)
        #expect(backoff.ceiling(attempt: 1000) == .nanoseconds(Int64.max))
    }
}
