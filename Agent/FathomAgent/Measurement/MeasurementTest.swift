/// What a scheduled test measures: a trace, throughput or rtt test with its parameters.
///
/// ```swift
/// let spec = MeasurementSpec.trace(try TraceParameters(dest: "ps2.example.net").validated())
/// spec.testType      // "trace"
/// spec.isExclusive   // false: traces may overlap anything
/// ```
public enum MeasurementSpec: Sendable, Equatable {
    case trace(TraceParameters)
    case throughput(ThroughputParameters)
    case rtt(RTTParameters)

    /// pScheduler's test type names, as esmond metadata and the spool carry them.
    public static let traceTestType = "trace"
    public static let throughputTestType = "throughput"
    public static let rttTestType = "rtt"

    /// pScheduler's test type name.
    public var testType: String {
        switch self {
        case .trace: Self.traceTestType
        case .throughput: Self.throughputTestType
        case .rtt: Self.rttTestType
        }
    }

    public var dest: String {
        switch self {
        case .trace(let p): p.dest
        case .throughput(let p): p.dest
        case .rtt(let p): p.dest
        }
    }

    /// pScheduler's scheduling class: throughput is `exclusive` (never overlaps another
    /// exclusive test on this host), trace and rtt are `background`.
    public var isExclusive: Bool {
        switch self {
        case .trace, .rtt: false
        case .throughput: true
        }
    }

    /// Seconds a run is expected to take; the slip window is shortened so a run cannot reach
    /// its successor's nominal start. Throughput adds pScheduler's setup and spin-down allowance,
    /// and the omitted seconds, which lengthen the run (pScheduler's iperf3 `duration`); rtt takes
    /// its intervals and last wait, plus pScheduler's 1 s (`ping_utils.py`).
    public var expectedDurationSeconds: Int {
        switch self {
        case .trace: 30
        case .throughput(let p): p.omit + p.duration + 5
        case .rtt(let p): Int(p.duration.components.seconds) + 2
        }
    }
}

/// One test declared in the agent's config: what to measure and how often.
///
/// ```swift
/// let test = MeasurementTest(name: "trace-ps2", spec: spec, repeatSeconds: 3600, slipSeconds: 600)
/// ```
public struct MeasurementTest: Sendable, Equatable {
    /// Unique within the config; it names the test in logs and in the archived record.
    public var name: String
    public var spec: MeasurementSpec
    /// Interval between nominal starts (pScheduler `repeat`).
    public var repeatSeconds: Int
    /// How late after its nominal time a run may start; the start is random within it (pScheduler
    /// `slip` with `sliprand`), so a fleet's tests spread out.
    public var slipSeconds: Int

    public init(name: String, spec: MeasurementSpec, repeatSeconds: Int, slipSeconds: Int = 0) {
        self.name = name
        self.spec = spec
        self.repeatSeconds = repeatSeconds
        self.slipSeconds = slipSeconds
    }

    public var schedule: RunSchedule {
        RunSchedule(
            repeatSeconds: repeatSeconds, slipSeconds: slipSeconds, durationSeconds: spec.expectedDurationSeconds)
    }
}
