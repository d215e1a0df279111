import FathomShared

/// esmond's histogram `statistics` summary (`HistogramValidator.statistics`): mean, NIST
/// percentiles 25/50/75/95 with interpolation between buckets, mode, min, max, population variance
/// and standard deviation.
///
/// ```swift
/// HistogramStatistics.compute(["1": 1, "2": 1])  // median 1.5, variance 0.25, …
/// ```
public enum HistogramStatistics {
    /// The statistics object, or `{}` when a bucket key is not a number or the histogram is empty
    /// (esmond writes `{}` and still accepts the point).
    public static func compute(_ histogram: [String: Int64]) -> JSONValue {
        var buckets: [(value: Double, count: Int64)] = []
        for (key, count) in histogram {
            guard let value = Double(key.trimmingWhitespace()), value.isFinite else { return .object([:]) }
            buckets.append((value, count))
        }
        let total = buckets.reduce(0) { $0 + Double($1.count) }
        guard total > 0 else { return .object([:]) }
        buckets.sort { $0.value < $1.value }
        let mean = buckets.reduce(0) { $0 + $1.value * Double($1.count) } / total
        let variance = buckets.reduce(0) { $0 + Double($1.count) * ($1.value - mean) * ($1.value - mean) } / total
        let maxCount = buckets.map(\.count).max()!
        let percentiles = nistPercentiles([25, 50, 75, 95], buckets: buckets, total: total)
        return .object([
            "mean": .number(mean),
            "median": .number(percentiles[1]),
            "mode": .array(buckets.filter { $0.count == maxCount }.map { .number($0.value) }),
            "minimum": .number(buckets.first!.value),
            "maximum": .number(buckets.last!.value),
            "percentile-25": .number(percentiles[0]),
            "percentile-75": .number(percentiles[2]),
            "percentile-95": .number(percentiles[3]),
            "variance": .number(variance),
            "standard-deviation": .number(variance.squareRoot()),
        ])
    }

    /// Walks buckets in ascending order with a cumulative count; each percentile is fed buckets
    /// while the cumulative count reaches its rank, finishing or waiting to interpolate.
    static func nistPercentiles(_ ps: [Double], buckets: [(value: Double, count: Int64)], total: Double) -> [Double] {
        var trackers = ps.map { NISTPercentile(percentile: $0, sampleSize: total) }
        var current = 0
        var cumulative = 0.0
        for bucket in buckets {
            cumulative += Double(bucket.count)
            while current < trackers.count, cumulative >= trackers[current].k {
                trackers[current].find(cumulative: cumulative, bucket: bucket.value)
                if !trackers[current].finished { break }
                current += 1
            }
        }
        return trackers.map { $0.value ?? buckets.last!.value }
    }
}

/// One percentile by the NIST method (esmond's `Percentile`): rank n = p/100·(N+1), k = ⌊n⌋, d = n−k.
struct NISTPercentile {
    let k: Double
    let d: Double
    let sampleSize: Double
    var value: Double?
    var finished = false

    init(percentile: Double, sampleSize: Double) {
        let n = percentile / 100 * (sampleSize + 1)
        k = n.rounded(.down)
        d = n - k
        self.sampleSize = sampleSize
    }

    /// Feeds one bucket whose cumulative count has reached `k`; the caller checks that.
    mutating func find(cumulative: Double, bucket: Double) {
        guard !finished else { return }
        if let v = value {
            value = v + d * (bucket - v)
            finished = true
        } else if k == 0 || (cumulative >= sampleSize && k >= sampleSize) || k + d < cumulative {
            value = bucket
            finished = true
        } else {
            // The rank falls between this bucket and the next: interpolate when the next arrives.
            value = bucket
        }
    }
}
