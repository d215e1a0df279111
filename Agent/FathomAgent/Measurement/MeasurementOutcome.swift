/// What one run measured and what came of it: the test's parameters with the result of its kind,
/// so a trace result can never sit beside throughput or rtt parameters.
///
/// ```swift
/// let outcome = MeasurementOutcome.trace(parameters, report.result)
/// outcome.spec.testType   // "trace"
/// outcome.succeeded       // whether the test ran
/// ```
public enum MeasurementOutcome: Sendable, Equatable {
    case trace(TraceParameters, TraceResult)
    case throughput(ThroughputParameters, ThroughputResult)
    case rtt(RTTParameters, RTTResult)

    /// What was asked.
    public var spec: MeasurementSpec {
        switch self {
        case .trace(let parameters, _): .trace(parameters)
        case .throughput(let parameters, _): .throughput(parameters)
        case .rtt(let parameters, _): .rtt(parameters)
        }
    }

    /// Whether the test ran; a failed run is archived as esmond `failures`.
    public var succeeded: Bool {
        switch self {
        case .trace(_, let result): result.succeeded
        case .throughput(_, let result): result.succeeded
        case .rtt(_, let result): result.succeeded
        }
    }

    /// The reason a failed run gave, nil when it gave none.
    public var error: String? {
        switch self {
        case .trace(_, let result): result.error
        case .throughput(_, let result): result.error
        case .rtt(_, let result): result.error
        }
    }
}
