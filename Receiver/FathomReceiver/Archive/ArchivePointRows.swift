import FathomShared

/// One row of a metadata's point table: a base point (`summary` base, window 0) or a summary bin.
struct ArchiveSeriesBin: Hashable, Sendable {
    var eventType: String
    var summary: ArchiveSummary
    var ts: Int64
}

/// The rows of one metadata that ``ArchivePointWriter`` reads and writes, inside the store's open
/// write transaction. Synchronous, so the folding rules run the same on SQLite (statements run
/// as called) and on PostgreSQL (rows read beforehand, writes staged and sent in bulk after).
///
/// ```swift
/// let writer = ArchivePointWriter(rows: try SQLiteArchivePointRows(db: db, key: key), now: stamp)
/// ```
protocol ArchivePointRows: AnyObject {
    /// The summaries (base excluded, sorted) the metadata registered for `eventType`; nil when
    /// the metadata is unknown or never registered it.
    func registeredSummaries(_ eventType: String) throws -> [ArchiveSummary]?

    /// The stored value of a row, as written so far in this transaction.
    func storedValue(_ bin: ArchiveSeriesBin) throws -> JSONValue?

    /// Inserts a row that must be new; false (and nothing written) when one exists at that time.
    func insertNew(_ bin: ArchiveSeriesBin, value: JSONValue) throws -> Bool

    /// Inserts a row or replaces the one stored at that time.
    func insertOrReplace(_ bin: ArchiveSeriesBin, value: JSONValue) throws

    /// Sets `time-updated` on every row of these event types.
    func touch(_ eventTypes: Set<String>, now: Int64) throws
}
