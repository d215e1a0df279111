/// When the runs of one test happen: nominal times on a fixed grid (multiples of `repeat` since
/// the Unix epoch, so a restart neither adds nor drops runs), each started at a random whole
/// second within its slip window.
///
/// Follows pScheduler's rules: a slipped run never moves the grid, and the slip is cut to
/// `repeat − duration` so a run cannot overlap its own successor.
///
/// ```swift
/// let schedule = RunSchedule(repeatSeconds: 3600, slipSeconds: 600, durationSeconds: 30)
/// var rng = SystemRandomNumberGenerator()
/// let nominal = schedule.nominal(after: 1_795_410_123.4)         // 1_795_413_600
/// let start = schedule.start(nominal: nominal, using: &rng)      // within [nominal, nominal + 600)
/// ```
public struct RunSchedule: Sendable, Equatable {
    public var repeatSeconds: Int
    public var slipSeconds: Int
    public var durationSeconds: Int

    public init(repeatSeconds: Int, slipSeconds: Int, durationSeconds: Int) {
        self.repeatSeconds = repeatSeconds
        self.slipSeconds = slipSeconds
        self.durationSeconds = durationSeconds
    }

    /// The slip actually used: `min(slip, repeat − duration)`, never negative.
    public var effectiveSlipSeconds: Int { max(0, min(slipSeconds, repeatSeconds - durationSeconds)) }

    /// The first grid time strictly after `time` (seconds since the epoch).
    public func nominal(after time: Double) -> Int64 {
        let period = Int64(max(1, repeatSeconds))
        let index = Int64((time / Double(period)).rounded(.down))
        var next = (index + 1) * period
        // Guard against rounding at exact multiples.
        while Double(next) <= time { next += period }
        return next
    }

    /// A start uniformly at random among the whole seconds `nominal ..< nominal + slip`
    /// (`nominal` itself when there is no slip).
    public func start(nominal: Int64, using rng: inout some RandomNumberGenerator) -> Int64 {
        let slip = effectiveSlipSeconds
        return slip > 0 ? nominal + Int64.random(in: 0..<Int64(slip), using: &rng) : nominal
    }
}
