/// Interarrival jitter as RFC 1889 defines it (§6.3.1, A.8) and iperf3 computes it
/// (`iperf_udp_recv`): the running mean deviation of transit-time differences, gain 1/16.
///
/// Transit is arrival time minus the sender's timestamp; the clocks need not agree because only
/// differences between consecutive transits count. The first datagram only sets the reference.
///
/// ```swift
/// var jitter = JitterEstimator()
/// jitter.record(transit: 0.010)
/// jitter.record(transit: 0.012)          // |Δ| = 2 ms → jitter = 2 ms / 16
/// print(jitter.milliseconds)            // 0.125
/// ```
public struct JitterEstimator: Sendable, Equatable {
    /// Seconds, the unit iperf3 exchanges in its results (`jitter`).
    public private(set) var seconds: Double = 0
    private var previousTransit: Double?

    public init() {}

    /// Milliseconds, the unit of iperf3's `jitter_ms` and pScheduler's `jitter`.
    public var milliseconds: Double { seconds * 1000 }

    /// Adds one datagram's transit time in seconds.
    public mutating func record(transit: Double) {
        if let previousTransit {
            seconds += (abs(transit - previousTransit) - seconds) / 16
        }
        previousTransit = transit
    }

    /// Adds one datagram from its header time and arrival time, both in microseconds.
    public mutating func record(sentMicroseconds: Int64, arrivalMicroseconds: Int64) {
        record(transit: Double(arrivalMicroseconds &- sentMicroseconds) / 1_000_000)
    }
}
