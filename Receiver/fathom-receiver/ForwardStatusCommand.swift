import ArgumentParser
import FathomReceiver
import FathomShared

/// `fathom-receiver forward-status`: where each RabbitMQ destination stands, per stream, read from
/// the archive database and the ingest index (works while the receiver runs).
struct ForwardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward-status",
        abstract: "Prints each forward destination's confirmed position and backlog, per stream.",
        usage: "fathom-receiver forward-status (--config <file> | [--archive-db F] [--index-db F] [--interfaces-db F])"
    )

    @Option(help: "The receiver's TOML config file (its archive_db and ingest index are read).") var config: String?
    @Option(help: "Measurement archive SQLite file (the archive stream).") var archiveDb: String?
    @Option(help: "Ingest index SQLite file (the samples stream).") var indexDb: String?
    @Option(help: "Interface store SQLite file (the interfaces stream).") var interfacesDb: String?

    func run() async throws {
        var archive = archiveDb
        var index = indexDb
        var interfaces = interfacesDb
        var dataDirectory: String?
        if let config {
            let settings = try ReceiverSettingsFile.load(path: config)
            dataDirectory = settings.dataDirectory
            archive = archive ?? settings.archive?.databasePath
            interfaces = interfaces ?? SQLiteInterfaceStore.defaultPath(dataDirectory: settings.dataDirectory)
            if settings.sampleIndex {
                index = index ?? settings.indexPath ?? SampleIndex.defaultPath(dataDirectory: settings.dataDirectory)
            }
        }
        guard archive != nil || index != nil || interfaces != nil else {
            throw ValidationError("give --config, or some of --archive-db, --index-db, --interfaces-db")
        }
        var rows: [ForwardStatus] = []
        if let archive { rows += try await ArchiveForwardLog(path: archive).status() }
        if let index {
            // The index lives at <data>/.fathom/index.sqlite unless the config moved it.
            let data =
                dataDirectory
                ?? index.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
            rows += try await SampleForwardLog(path: index, dataDirectory: data).status()
        }
        if let interfaces { rows += try await InterfaceForwardLog(path: interfaces).status() }
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
