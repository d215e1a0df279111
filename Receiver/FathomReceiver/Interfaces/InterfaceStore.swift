/// Where interface counters, their rates and the interface life-cycle table live. The embedded
/// SQLite store (``SQLiteInterfaceStore``) implements it; a server database can implement it beside.
///
/// The contract every implementation keeps:
/// - `store` returns only once the upload is durable (committed and synced), and either all of it
///   is stored or none of it (one transaction).
/// - A batch id already stored is acknowledged as ``InterfaceStoreOutcome/duplicate`` and changes
///   nothing.
/// - An interface's high-water marks (`traffic_until`, `errors_until`, `discards_until`) advance in
///   the same transaction as the data they cover, never before it.
///
/// ```swift
/// let store: any InterfaceStore = try SQLiteInterfaceStore(path: data + "/.fathom/interfaces.sqlite")
/// switch try await store.store(upload) { case .stored, .duplicate: return Response(status: .ok) }
/// ```
public protocol InterfaceStore: Sendable {
    /// Stores one validated upload durably, or throws with nothing of it stored.
    func store(_ upload: InterfaceUpload) async throws -> InterfaceStoreOutcome
    /// The life-cycle rows of a cluster's interfaces (every cluster's when nil; of one host when
    /// given), by host, name and start.
    func lifeCycle(cluster: String?, host: String?) async throws -> [InterfaceLifeCycleRow]
    /// The hosts that reported interfaces (of one cluster when given), with their first and last
    /// sample times.
    func devices(cluster: String?) async throws -> [InterfaceDevice]
    /// The rate steps of one interface row whose step ends fall in `[from, to]`, oldest first.
    func rates(interfaceID: Int64, from: Int64, to: Int64) async throws -> [InterfaceRateStep]
}
