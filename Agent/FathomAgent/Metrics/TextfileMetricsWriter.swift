import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// Writes the agent's metrics to a node_exporter textfile-collector file (`[metrics] textfile`),
/// atomically: the text goes to a temporary file beside it (a name node_exporter ignores, since it
/// does not end in `.prom`), which is then renamed over the old one, so a scrape never reads half a
/// file. Compute nodes get metrics this way without opening another listening port.
///
/// ```swift
/// let writer = TextfileMetricsWriter(path: "/var/lib/prometheus/node-exporter/fathom.prom", cluster: "fox")
/// try writer.write(metrics.snapshot, spool: spool)
/// ```
public struct TextfileMetricsWriter: Sendable {
    public let path: String
    public let cluster: String

    public init(path: String, cluster: String) {
        self.path = path
        self.cluster = cluster
    }

    /// Renders and replaces the file; the spool's pending batches and drops are read now.
    public func write(_ snapshot: AgentMetrics.Snapshot, spool: SpoolDirectory) throws(PosixFileError) {
        let pending = (try? spool.pending()) ?? []
        let state = TextfileExposition.SpoolState(
            batches: pending.count, bytes: pending.reduce(0) { $0 + $1.fileSize }, droppedBatches: spool.droppedBatches)
        try write(TextfileExposition.render(snapshot, spool: state, cluster: cluster))
    }

    public func write(_ text: String) throws(PosixFileError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory) + "/." + name + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PosixFileError(operation: "create", path: temporary, errno: errno) }
        // node_exporter runs as another user; the agent's unit has UMask=0077.
        fchmod(fd, 0o644)
        if let code = PosixFile.writeAll(fd, Array(text.utf8)) {
            close(fd)
            unlink(temporary)
            throw PosixFileError(operation: "write", path: temporary, errno: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw PosixFileError(operation: "rename", path: path, errno: code)
        }
    }
}
