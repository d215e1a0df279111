import ArgumentParser
import FathomReceiver
import FathomShared

/// `fathom-receiver reindex`: rebuilds the ingest index from the day files, so a tree written
/// before the index existed (or by sonar + curl into another receiver) gets one too.
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuilds the ingest index (Grafana's series) from the day files under --data-dir.",
        usage: "fathom-receiver reindex --data-dir <data-dir> [--index-db <index-db>]",
        discussion: "Stop the receiver that serves the tree first: it keeps its own view of what is folded."
    )

    @Option(help: "Root of the data tree <data>/<cluster>/<YYYY>/<MM>/<DD>/<host>.csv.") var dataDir: String
    @Option(help: "Index SQLite file (default <data-dir>/.fathom/index.sqlite).") var indexDb: String?

    func run() throws {
        let path = indexDb ?? SampleIndex.defaultPath(dataDirectory: dataDir)
        let lines = try SampleIndex.rebuild(path: path, dataDirectory: dataDir)
        print("reindexed \(lines) lines from \(dataDir) into \(path)")
    }
}
