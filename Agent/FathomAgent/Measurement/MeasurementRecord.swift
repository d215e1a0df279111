/// One finished (or failed) test run as the agent spools it: which test, where, when, and what
/// it measured (``MeasurementOutcome``: the parameters with the typed result). The spool holds it
/// as compact JSON under kind ``MeasurementRecord/spoolKind`` (``spoolPayload``), and delivery
/// turns it into esmond's metadata and data (``EsmondRecordMapping``).
///
/// ```swift
/// let record = MeasurementRecord(runID: id, testName: "trace-ps2", sourceAddress: "10.0.0.1",
///     destAddress: "10.0.0.2", start: 1_795_410_000, outcome: .trace(parameters, result))
/// let again = try MeasurementRecord(spoolPayload: record.spoolPayload)
/// ```
public struct MeasurementRecord: Sendable, Equatable {
    /// The spool batch kind of measurement records.
    public static let spoolKind = "measurement"

    /// 32 lowercase hex digits, unique per run.
    public var runID: String
    /// The test's name in the agent config.
    public var testName: String
    /// This host's address toward the destination; nil when the destination never resolved.
    public var sourceAddress: String?
    /// The address the destination resolved to; nil when it did not.
    public var destAddress: String?
    /// When the run started, seconds since the epoch.
    public var start: Int64
    /// What was asked and what came of it.
    public var outcome: MeasurementOutcome

    public init(
        runID: String, testName: String, sourceAddress: String?, destAddress: String?, start: Int64,
        outcome: MeasurementOutcome
    ) {
        self.runID = runID
        self.testName = testName
        self.sourceAddress = sourceAddress
        self.destAddress = destAddress
        self.start = start
        self.outcome = outcome
    }

    public var spec: MeasurementSpec { outcome.spec }

    /// Whether the test ran; a failed run is archived as esmond `failures`.
    public var succeeded: Bool { outcome.succeeded }

    /// The reason a failed run gives, or pScheduler's fallback text.
    public var failureMessage: String {
        if let text = outcome.error, !text.isEmpty { return text }
        return "The test failed for an unspecified reason. See the logs of the testing host."
    }
}
