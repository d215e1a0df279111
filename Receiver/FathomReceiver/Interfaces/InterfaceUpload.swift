import FathomShared

/// One validated `POST /interfaces` upload: its cluster, its batch id (cluster-qualified, as the
/// ledger keeps them) and its records in upload order. Nothing of it is stored until the whole
/// body has been read as records (``InterfaceUploadValidator``).
///
/// ```swift
/// let upload = try validator.validate(bytes, cluster: cluster, batchID: "fox/1a2b")
/// let outcome = try await store.store(upload)
/// ```
public struct InterfaceUpload: Sendable, Equatable {
    public var cluster: String
    /// `<cluster>/<Fathom-Batch-Id>`; nil when the agent sent none (then a replay is stored again,
    /// where it changes nothing: a sample already stored is ignored).
    public var batchID: String?
    public var records: [InterfaceRecord]

    public init(cluster: String, batchID: String?, records: [InterfaceRecord]) {
        self.cluster = cluster
        self.batchID = batchID
        self.records = records
    }
}
