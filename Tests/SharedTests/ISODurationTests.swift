import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct ISODurationTests {
    @Test(arguments: [
        ("PT5S", 5.0), ("PT0.000095S", 0.000095), ("PT1H30M", 5400.0), ("P1D", 86400.0), ("P2W", 1_209_600.0),
        ("P1DT2H", 93600.0), ("pt10m", 600.0), ("PT0S", 0.0),
    ])
    func durationsAreRead(text: String, seconds: Double) {
        #expect(ISODuration.seconds(text).map { abs($0 - seconds) < 1e-12 } == true)
    }

    @Test(arguments: ["", "P", "PT", "5S", "P1Y", "P1M", "PT1D", "PT5", "PTXS", "P1DT", "1 hour"])
    func nonDurationsAreRefused(text: String) {
        #expect(ISODuration.seconds(text) == nil)
    }
}
