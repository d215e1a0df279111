import FathomShared

/// Where the measurement archive keeps metadata and time series.
///
/// One protocol so the embedded SQLite store and a later PostgreSQL one are interchangeable; the
/// HTTP layer sees only this.
///
/// ```swift
/// let store = try SQLiteArchiveStore(path: "/var/lib/fathom/archive.sqlite")
/// let (metadata, created) = try await store.createOrGetMetadata(input)
/// try await store.addPoint(key: metadata.key, eventType: "throughput", ts: 1_700_000_000, value: .integer(9_300_000_000))
/// ```
public protocol ArchiveStore: Sendable {
    /// Stores new metadata under a fresh random key, or returns the one with the same checksum.
    func createOrGetMetadata(_ input: ArchiveMetadataInput) async throws -> (metadata: ArchiveMetadata, created: Bool)

    func metadata(key: String) async throws -> ArchiveMetadata?

    /// One page of matching metadata ordered by key, and the total number of matches.
    func listMetadata(_ filter: ArchiveMetadataFilter) async throws -> (page: [ArchiveMetadata], total: Int)

    /// Adds one validated base point and updates every summary the metadata registered for its
    /// event type. Throws ``ArchiveDuplicatePoint`` for a repeated numeric point.
    func addPoint(key: String, eventType: String, ts: Int64, value: JSONValue) async throws -> ArchiveWriteOutcome

    /// Adds points in order, each as ``addPoint``, in one transaction. Stops at the first duplicate
    /// and returns it; the points before it stay stored, as in esmond (no rollback).
    func addPoints(key: String, points: [ArchiveNewPoint]) async throws -> ArchiveDuplicatePoint?

    /// A series sorted by time ascending.
    func points(_ query: ArchiveSeriesQuery) async throws -> [ArchivePoint]
}
