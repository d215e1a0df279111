/// The embedded store: day files under the data directory, synced by the writer thread.
extension GroupCommitWriter: SampleStore {
    /// The writer refuses uploads only per group (a failed write or sync), never as a state.
    public func unavailableReason() async -> String? { nil }

    public var startupSummary: String { "files under \(dataDirectory); \(recovery)" }

    public func close() async { shutdown() }
}
