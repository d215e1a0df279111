import ArgumentParser
import FathomReceiver
import FathomShared

/// `fathom-receiver forward-status`: where each RabbitMQ destination stands, per stream, read from
/// the archive database and the ingest index (works while the receiver runs).
struct ForwardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward-status",
        abstract: "Prints each forward destination's confirmed position and backlog, per stream.",
        usage: "fathom-receiver forward-status (--config <file> | [--archive-db <file>] [--index-db <file>])"
    )

    @Option(help: "The receiver's TOML config file (its archive_db and ingest index are read).") var config: String?
    @Option(help: "Measurement archive SQLite file (the archive stream).") var archiveDb: String?
    @Option(help: "Ingest index SQLite file (the samples stream).") var indexDb: String?

    func run() async throws {
        var archive = archiveDb
        var index = indexDb
        if let config {
            let settings = try ReceiverSettingsFile.load(path: config)
            archive = archive ?? settings.archive?.databasePath
            if settings.sampleIndex {
                index = index ?? settings.indexPath ?? SampleIndex.defaultPath(dataDirectory: settings.dataDirectory)
            }
        }
        guard archive != nil || index != nil else {
            throw ValidationError("give --config, or --archive-db and/or --index-db")
        }
        var rows: [ForwardStatus] = []
        if let archive { rows += try await ArchiveForwardLog(path: archive).status() }
        if let index { rows += try await SampleForwardLog(path: index, dataDirectory: "").status() }
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
