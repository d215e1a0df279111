import ArgumentParser
import FathomReceiver
import FathomShared

/// `fathom-receiver forward-status`: where each RabbitMQ destination stands, read from the
/// archive database (works while the receiver runs).
struct ForwardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward-status",
        abstract: "Prints each forward destination's confirmed position and backlog.",
        usage: "fathom-receiver forward-status (--config <file> | --archive-db <archive-db>)"
    )

    @Option(help: "The receiver's TOML config file (its archive_db is read).") var config: String?
    @Option(help: "Measurement archive SQLite file.") var archiveDb: String?

    func run() async throws {
        guard
            let path = try archiveDb
                ?? config.flatMap({ try ReceiverSettingsFile.load(path: $0).archive?.databasePath })
        else {
            throw ValidationError("give --archive-db, or --config with archive_db set")
        }
        let rows = try await ArchiveForwardLog(path: path).status()
        if rows.isEmpty {
            print("no forward destinations (none configured when the receiver last started)")
            return
        }
        print("destination\tstream\tconfirmed\tin_flight_to\tbacklog\tnewest")
        for row in rows {
            print(
                "\(row.destination)\t\(row.stream)\t\(row.doneSeq)\t\(row.plannedTo.map(String.init) ?? "-")\t"
                    + "\(row.backlog)\t\(row.newestSeq.map(String.init) ?? "-")")
        }
    }
}
