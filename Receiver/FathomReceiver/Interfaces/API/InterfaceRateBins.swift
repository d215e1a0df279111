/// Rate steps averaged into esmond's bins: each step's rate covers `(time - seconds, time]` and
/// is spread over the bins it overlaps by the seconds it overlaps them; a bin's value is its
/// time-weighted mean rate over the seconds that have data (null where none has, or where a step
/// had no rate: a reset). esmond's series covers every bin from `ceil(begin/agg)*agg` to
/// `floor(end/agg)*agg`, missing bins null; `ts` is a bin's start.
///
/// As esmond, a gap is not interpolated: a step more than three times the series' usual step
/// (its median; the agent was down or its samples were lost) is credited only to the bin holding
/// its end, so the time it spans shows as null rather than as a made-up steady rate.
///
/// ```swift
/// let points = InterfaceRateBins(begin: b, end: e, agg: 30).points(steps, endpoint: .trafficIn)
/// ```
public struct InterfaceRateBins: Sendable {
    public var begin: Int64
    public var end: Int64
    public var agg: Int64
    /// `min`/`max` keep the extreme rate of the steps touching a bin instead of the mean.
    public var cf: String = "average"

    public init(begin: Int64, end: Int64, agg: Int64, cf: String = "average") {
        self.begin = begin
        self.end = end
        self.agg = agg
        self.cf = cf
    }

    /// The most bins one series may have; a longer window is refused before it is computed.
    public static let maxBins: Int64 = 200_000

    /// `ts` of the first and last bin.
    public var range: (first: Int64, last: Int64) {
        let first = begin >= 0 ? (begin + agg - 1) / agg * agg : begin / agg * agg
        let last = end >= 0 ? end / agg * agg : (end - agg + 1) / agg * agg
        return (first, last)
    }

    public func points(_ steps: [InterfaceRateStep], endpoint: DeviceEndpoint) -> [(ts: Int64, val: Double?)] {
        let (first, last) = range
        guard last >= first else { return [] }
        let count = Int((last - first) / agg) + 1
        var weighted = [Double](repeating: 0, count: count)
        var covered = [Double](repeating: 0, count: count)
        var extreme = [Double?](repeating: nil, count: count)
        let usual = Self.medianSeconds(steps)
        for step in steps {
            guard let rate = endpoint.rate(step), step.seconds > 0 else { continue }
            let spread = step.seconds <= 3 * usual ? step.seconds : min(step.seconds, (step.time - 1) % agg + 1)
            let from = step.time - spread
            var bin = max(Int64(0), (from - first) >= 0 ? (from - first) / agg : -1)
            while bin < Int64(count) {
                let binStart = first + bin * agg
                let overlap = min(step.time, binStart + agg) - max(from, binStart)
                if binStart >= step.time { break }
                if overlap > 0 {
                    weighted[Int(bin)] += rate * Double(overlap)
                    covered[Int(bin)] += Double(overlap)
                    let current = extreme[Int(bin)]
                    extreme[Int(bin)] =
                        cf == "min" ? min(current ?? rate, rate) : cf == "max" ? max(current ?? rate, rate) : nil
                }
                bin += 1
            }
        }
        return (0..<count).map { i in
            let ts = first + Int64(i) * agg
            guard covered[i] > 0 else { return (ts, nil) }
            if cf == "min" || cf == "max" { return (ts, extreme[i]) }
            return (ts, weighted[i] / covered[i])
        }
    }

    /// The median step length, the series' usual sampling interval.
    static func medianSeconds(_ steps: [InterfaceRateStep]) -> Int64 {
        let lengths = steps.map(\.seconds).filter { $0 > 0 }.sorted()
        return lengths.isEmpty ? 0 : lengths[lengths.count / 2]
    }
}
