/// What one try of a scheduled run came to: a record to archive, or a peer with no slot for it.
///
/// ```swift
/// switch await runner.attempt(test, start: now, cookie: IperfCookie.make()) {
/// case .finished(let record): archive(record)
/// case .peerBusy(let record): retryLaterOrArchive(record)   // iperf3's ACCESS_DENIED
/// }
/// ```
public enum MeasurementAttempt: Sendable, Equatable {
    /// The test ran (or failed for a reason retrying in the slip cannot fix).
    case finished(MeasurementRecord)
    /// The peer's responder was busy with another test; the record is the failure to archive
    /// when no later try gets a slot.
    case peerBusy(MeasurementRecord)

    public var record: MeasurementRecord {
        switch self {
        case .finished(let record), .peerBusy(let record): record
        }
    }
}
