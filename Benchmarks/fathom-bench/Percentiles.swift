/// Nearest-rank percentiles over a set of measurements (latencies in seconds).
///
/// Nearest rank, not interpolation, so every reported figure is a latency some request really had.
struct Percentiles {
    private let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    var count: Int { sorted.count }
    var max: Double { sorted.last ?? 0 }

    /// The smallest value with at least `p` percent of the values at or below it.
    func value(at p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}
