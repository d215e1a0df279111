import ArgumentParser
import FathomReceiver
import FathomShared
import Logging

/// `fathom-receiver export-tree`: the PostgreSQL store as the day-file tree sonalyze reads.
struct ExportTreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-tree",
        abstract: "Writes a PostgreSQL store out as <cluster>/<YYYY>/<MM>/<DD>/<host>.csv (and sysinfo) under --out.",
        usage:
            "fathom-receiver export-tree --store <url> --out <dir> [--cluster <c>] [--from <day> --to <day>] [--follow]",
        discussion: """
            Incremental: a cursor in <out>/.fathom/export-cursor remembers what is written, so a rerun (or a \
            restart after a crash) adds only what is new and never a line twice. Keep the same filters for one \
            --out directory. --follow keeps exporting every few seconds until stopped.
            """
    )

    @Option(help: "The store: postgresql://USER@HOST:PORT/DATABASE[?sslmode=require].") var store: String?
    @Option(help: "TOML config file whose [store] table names the store.") var config: String?
    @Option(help: "File holding the store's database password.") var storePasswordFile: String?
    @Option(help: "Root of the tree to write.") var out: String
    @Option(help: "Only this cluster.") var cluster: String?
    @Option(help: "First day exported, YYYY-MM-DD (UTC).") var from: String?
    @Option(help: "Last day exported, YYYY-MM-DD (UTC).") var to: String?
    @Flag(help: "Keep exporting new commits until stopped.") var follow = false
    @Option(help: "Seconds between rounds with --follow (default 5).") var pollSeconds: Double = 5
    @Option(help: "Commits per synced chunk (default 500).") var chunkCommits: Int = 500

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-receiver")
        var settings = try config.map { try ReceiverSettingsFile.load(path: $0).store } ?? nil
        if let store { settings = StoreSettings(url: store, passwordFile: settings?.passwordFile) }
        if let storePasswordFile { settings?.passwordFile = storePasswordFile }
        guard let settings else { throw ValidationError("export-tree needs --store URL (or --config with [store])") }
        for day in [from, to].compactMap({ $0 }) where !PostgresTreeExport.isDay(day) {
            throw ValidationError("--from and --to want YYYY-MM-DD, got \(day)")
        }
        var export = try PostgresTreeExport(settings: settings, out: out, logger: logger)
        export.cluster = cluster
        export.from = from
        export.to = to
        guard chunkCommits > 0 else { throw ValidationError("--chunk-commits must be positive") }
        export.chunkCommits = Int64(chunkCommits)
        export.pollInterval = try ReceiverSettingsFile.seconds(pollSeconds, "--poll-seconds")
        let lines = try await export.run(follow: follow)
        print("exported \(lines) lines to \(out)")
    }
}
