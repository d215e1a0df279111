import ArgumentParser
import FathomReceiver
import FathomShared
import Logging

/// `fathom-receiver prune`: retention for the PostgreSQL store, by dropping whole day partitions.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Drops the days older than --older-than from a PostgreSQL store (whole day partitions).",
        usage: "fathom-receiver prune --store <url> --older-than <days>d [--store-password-file <file>]",
        discussion: "A day goes when all of it is older: with 400d on 2026-12-05, 2025-10-30 and before."
    )

    @Option(help: "The store: postgresql://USER@HOST:PORT/DATABASE[?sslmode=require].") var store: String?
    @Option(help: "TOML config file whose [store] table names the store.") var config: String?
    @Option(help: "File holding the store's database password.") var storePasswordFile: String?
    @Option(help: "Age of the oldest day kept, in days: 400d or 400.") var olderThan: String

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-receiver")
        var settings = try config.map { try ReceiverSettingsFile.load(path: $0).store } ?? nil
        if let store { settings = StoreSettings(url: store, passwordFile: settings?.passwordFile) }
        if let storePasswordFile { settings?.passwordFile = storePasswordFile }
        guard let settings else { throw ValidationError("prune needs --store URL (or --config with [store])") }
        let text = olderThan.hasSuffix("d") ? String(olderThan.dropLast()) : olderThan
        guard let days = Int(text), days > 0 else {
            throw ValidationError("--older-than wants a positive number of days, like 400d; got \(olderThan)")
        }
        let dropped = try await PostgresRetention.prune(settings: settings, olderThanDays: days, logger: logger)
        print(
            dropped.isEmpty
                ? "nothing older than \(days) days" : "dropped \(dropped.count) days: \(dropped.joined(separator: " "))"
        )
    }
}
