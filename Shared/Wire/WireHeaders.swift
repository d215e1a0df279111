/// The HTTP header names agent and receiver must agree on, kept in one place so neither side can
/// drift from the other.
///
/// ```swift
/// request.headers.add(name: WireHeaders.agentVersion, value: FathomVersion.string)
/// let backlog = request.headers[HTTPField.Name(WireHeaders.spoolBacklog)!].flatMap(SpoolBacklog.init(headerValue:))
/// ```
public enum WireHeaders {
    /// The spool batch id of an upload, so a replay after a lost acknowledgement is stored once.
    public static let batchID = "Fathom-Batch-Id"
    /// The uploading agent's version (`FathomVersion.string`), shown on the fleet page.
    public static let agentVersion = "Fathom-Agent-Version"
    /// What the agent's spool held when it sent this upload, as `<batches> <bytes>` (see `SpoolBacklog`).
    public static let spoolBacklog = "Fathom-Spool-Backlog"
}
