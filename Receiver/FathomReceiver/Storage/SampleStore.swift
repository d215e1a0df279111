/// Where acknowledged uploads go: the embedded file store (``GroupCommitWriter``, the default) or
/// the scale-out store on PostgreSQL (`PostgresSampleStore`, with `[store] url`).
///
/// The ingest routes validate an upload whole, hand its appends here and answer 200 only once
/// `commit` returned: by then the upload and its batch id are durable, and a batch id stored
/// before (by this receiver or, with PostgreSQL, any other) is reported as ``CommitOutcome/duplicate``
/// and not stored again.
///
/// ```swift
/// let store: any SampleStore = try GroupCommitWriter(dataDirectory: "/var/lib/fathom/data")
/// let outcome = try await store.commit(appends, batchID: "fox/5f2b9c")
/// ```
public protocol SampleStore: Sendable {
    /// Durably stores all of `appends`, or nothing (then throws ``StorageError``).
    func commit(_ appends: [FileAppend], batchID: String?) async throws -> CommitOutcome

    /// Nil while the store takes uploads; otherwise what is wrong, for `/ping` (so a load
    /// balancer drains a receiver whose store is down).
    func unavailableReason() async -> String?

    /// What start-up found and where the data goes, for the log.
    var startupSummary: String { get }

    /// Finishes what is queued, then stops.
    func close() async

    /// The sample index this store writes in its own commits, for Grafana (PostgreSQL's index
    /// tables); nil when it writes none. The file store's index is folded beside it, not by it.
    var seriesIndex: (any SampleSeriesIndex)? { get }
}

extension SampleStore {
    public var seriesIndex: (any SampleSeriesIndex)? { nil }
}
