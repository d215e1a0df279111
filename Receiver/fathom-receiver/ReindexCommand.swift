import ArgumentParser
import FathomReceiver
import FathomShared

/// `fathom-receiver reindex`: rebuilds the ingest index from the day files, so a tree written
/// before the index existed (or by sonar + curl into another receiver) gets one too; with
/// `--store`, PostgreSQL's index tables from the stored lines.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuilds the ingest index (Grafana's series) from the day files under --data-dir, or in a store.",
        usage: """
            fathom-receiver reindex --data-dir <data-dir> [--index-db <index-db>]
              fathom-receiver reindex --store <url> [--store-password-file <file>] | --config <file>
            """,
        discussion: """
            Files: stop the receiver that serves the tree first: it keeps its own view of what is folded. \
            PostgreSQL: receivers may run; their uploads wait until the rebuild commits.
            """
    )

    @Option(help: "Root of the data tree <data>/<cluster>/<YYYY>/<MM>/<DD>/<host>.csv.") var dataDir: String?
    @Option(help: "Index SQLite file (default <data-dir>/.fathom/index.sqlite).") var indexDb: String?
    @Option(help: "The store: postgresql://USER@HOST:PORT/DATABASE[?sslmode=require].") var store: String?
    @Option(help: "TOML config file whose [store] table names the store.") var config: String?
    @Option(help: "File holding the store's database password.") var storePasswordFile: String?

    func run() async throws {
        if let dataDir, store == nil, config == nil {
            let path = indexDb ?? SampleIndex.defaultPath(dataDirectory: dataDir)
            let lines = try SampleIndex.rebuild(path: path, dataDirectory: dataDir)
            print("reindexed \(lines) lines from \(dataDir) into \(path)")
            return
        }
        guard dataDir == nil, indexDb == nil else {
            throw ValidationError("reindex takes --data-dir or a store (--store, --config), not both")
        }
        var settings = try config.map { try ReceiverSettingsFile.load(path: $0).store } ?? nil
        if let store { settings = StoreSettings(url: store, passwordFile: settings?.passwordFile) }
        if let storePasswordFile { settings?.passwordFile = storePasswordFile }
        guard let settings else {
            throw ValidationError("reindex needs --data-dir DIR, or --store URL (or --config with [store])")
        }
        let logger = FathomLogging.bootstrap(label: "fathom-receiver")
        let lines = try await PostgresIndexRebuild.run(settings: settings, logger: logger)
        print("reindexed \(lines) lines in the store's sample index")
    }
}
