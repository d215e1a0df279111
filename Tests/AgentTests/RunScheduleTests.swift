import Testing

@testable import FathomAgent

@Suite(.timeLimit(.minutes(2))) struct RunScheduleTests {
    @Test func nominalTimesStayOnTheGridWhateverTheSlip() {
        let schedule = RunSchedule(repeatSeconds: 3600, slipSeconds: 1800, durationSeconds: 30)
        var rng = SplitMix64(state: 7)
        var after = 1_795_410_123.4
        var previous: Int64?
        for _ in 0..<1000 {
            let nominal = schedule.nominal(after: after)
            #expect(nominal % 3600 == 0)
            #expect(Double(nominal) > after)
            if let previous { #expect(nominal == previous + 3600, "no drift: a slipped run never moves the grid") }
            let start = schedule.start(nominal: nominal, using: &rng)
            previous = nominal
            // The next run is computed after this one started (as the scheduler does).
            after = max(Double(nominal), Double(start))
        }
    }

    @Test func nominalAtAnExactMultipleIsTheNextOne() {
        let schedule = RunSchedule(repeatSeconds: 60, slipSeconds: 0, durationSeconds: 10)
        #expect(schedule.nominal(after: 120) == 180)
        #expect(schedule.nominal(after: 119.999) == 120)
    }

    @Test func startsAreWholeSecondsUniformWithinTheSlip() {
        let schedule = RunSchedule(repeatSeconds: 3600, slipSeconds: 600, durationSeconds: 30)
        var rng = SplitMix64(state: 42)
        var bins = [Int](repeating: 0, count: 10)
        let draws = 20_000
        for _ in 0..<draws {
            let offset = schedule.start(nominal: 7200, using: &rng) - 7200
            #expect((0..<600).contains(offset))
            bins[Int(offset / 60)] += 1
        }
        // χ² with 9 degrees of freedom; 27.9 is the 0.1 % critical value.
        let expected = Double(draws) / 10
        let chiSquare = bins.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 27.9, "offsets not uniform: \(bins)")
    }

    @Test func slipIsCutSoARunCannotReachItsSuccessor() {
        #expect(RunSchedule(repeatSeconds: 60, slipSeconds: 600, durationSeconds: 15).effectiveSlipSeconds == 45)
        #expect(RunSchedule(repeatSeconds: 10, slipSeconds: 5, durationSeconds: 15).effectiveSlipSeconds == 0)
        var rng = SplitMix64(state: 1)
        let noSlip = RunSchedule(repeatSeconds: 300, slipSeconds: 0, durationSeconds: 10)
        #expect(noSlip.start(nominal: 600, using: &rng) == 600)
        let cut = RunSchedule(repeatSeconds: 60, slipSeconds: 600, durationSeconds: 15)
        for _ in 0..<500 { #expect(cut.start(nominal: 0, using: &rng) < 45) }
    }
}
