import FathomReceiver
import Testing

@Suite("Interfaces: counter steps (wraps, resets, absurd jumps)", .timeLimit(.minutes(1)))
struct InterfaceCounterStepTests {
    static let gigabit = CounterStep.maxBytesPerSecond(speedMbps: 1000)

    @Test("growth is the difference when the counter went up within reason")
    func plainGrowth() {
        #expect(CounterStep.growth(from: 1000, to: 31_000, seconds: 30, maxPerSecond: Self.gigabit) == 30_000)
        #expect(CounterStep.growth(from: 5, to: 5, seconds: 30, maxPerSecond: Self.gigabit) == 0)
        #expect(CounterStep.gigabitBound == 1000 * 125_000 * 1.25)
    }

    @Test("a 32-bit counter wrapping below 2^32 counts the bytes across the wrap")
    func wrap32() {
        let before = UInt64(UInt32.max) - 99
        #expect(CounterStep.growth(from: before, to: 400, seconds: 30, maxPerSecond: Self.gigabit) == 500)
    }

    @Test("a 64-bit counter wrapping counts the bytes across the wrap")
    func wrap64() {
        #expect(CounterStep.growth(from: UInt64.max - 9, to: 90, seconds: 30, maxPerSecond: Self.gigabit) == 100)
    }

    @Test("a drop no plausible wrap explains is a reset: no value, never a negative or absurd one")
    func reset() {
        // 64-bit counter back near zero after a reboot: the wrap would be ~1.8e19 bytes.
        #expect(CounterStep.growth(from: 9_000_000_000, to: 12, seconds: 30, maxPerSecond: Self.gigabit) == nil)
        // 32-bit range, but the wrap implies 4 GB in one second on a gigabit link.
        #expect(CounterStep.growth(from: 100_000, to: 50, seconds: 1, maxPerSecond: Self.gigabit) == nil)
        // Growth beyond line rate is not traffic either.
        #expect(CounterStep.growth(from: 0, to: 1 << 50, seconds: 30, maxPerSecond: Self.gigabit) == nil)
        #expect(CounterStep.growth(from: 0, to: 10, seconds: 0, maxPerSecond: Self.gigabit) == nil)
    }

    @Test("bounds follow the link speed; unknown speed gets a generous fixed bound")
    func bounds() {
        #expect(CounterStep.maxBytesPerSecond(speedMbps: nil) == 50e9)
        #expect(CounterStep.maxBytesPerSecond(speedMbps: 100_000) == 100_000 * 125_000 * 1.25)
        #expect(CounterStep.maxPacketsPerSecond(speedMbps: 1000) == Self.gigabit / 84)
    }
}

extension CounterStep {
    fileprivate static var gigabitBound: Double { maxBytesPerSecond(speedMbps: 1000) }
}
