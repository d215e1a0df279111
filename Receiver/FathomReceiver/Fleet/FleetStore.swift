import FathomShared
import Foundation
import GRDB

/// Keeps the fleet registry across restarts in `<data>/.fathom/fleet.sqlite`, one JSON row per host.
///
/// Why a database and not a rebuild from the day files at start: the agent's version and spool
/// backlog exist only in request headers, a host's cadence needs its upload *arrival* times (not its
/// sample times), and reading the last line of every host's newest day file would make a start
/// with 10,000 hosts slow. The registry is a view, never the data itself: it is saved every few
/// seconds and at shutdown (`FleetSaver`), and after a crash the next upload of each host repairs
/// what the last few seconds lost.
///
/// ```swift
/// let store = try FleetStore(path: data + "/.fathom/fleet.sqlite")
/// let registry = FleetRegistry(records: try store.load())
/// try await store.save(registry.takeDirty())
/// ```
public final class FleetStore: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS fleet_host (
                        cluster TEXT NOT NULL, host TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (cluster, host))
                    """)
        }
    }

    /// Every saved host; a row that no longer decodes is skipped (the host's next upload re-adds it).
    public func load() throws -> [FleetHostRecord] {
        let decoder = JSONDecoder()
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM fleet_host").compactMap {
                try? decoder.decode(FleetHostRecord.self, from: Data($0.utf8))
            }
        }
    }

    /// Upserts the given hosts in one transaction.
    public func save(_ records: [FleetHostRecord]) async throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        let rows = try records.map { ($0.cluster, $0.host, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        try await queue.write { db in
            for (cluster, host, record) in rows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO fleet_host (cluster, host, record) VALUES (?, ?, ?)",
                    arguments: [cluster, host, record])
            }
        }
    }
}
