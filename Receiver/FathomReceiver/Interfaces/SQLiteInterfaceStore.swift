import FathomShared
import Foundation
import GRDB

/// The embedded interface store: `<data>/.fathom/interfaces.sqlite`, WAL, every upload one
/// transaction committed at `synchronous = FULL`, so the 200 that follows means it is on disk.
///
/// ```swift
/// let store = try SQLiteInterfaceStore(path: data + "/.fathom/interfaces.sqlite")
/// _ = try await store.store(upload)
/// let rows = try await store.lifeCycle(cluster: "fox", host: "node1")
/// ```
public final class SQLiteInterfaceStore: InterfaceStore {
    let pool: DatabasePool
    /// Unix seconds stamped on stored batch ids; injectable for tests.
    let now: @Sendable () -> Int64

    public init(path: String, now: @escaping @Sendable () -> Int64 = SQLiteInterfaceStore.systemNow) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB leaves WAL writers at synchronous=NORMAL (durable only after a checkpoint); FULL
        // syncs the WAL at each commit, which is what an acknowledged upload promises.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.now = now
        try InterfaceMigrations.migrator.migrate(pool)
    }

    public static let systemNow: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// The store's place under a data directory.
    public static func defaultPath(dataDirectory: String) -> String { dataDirectory + "/.fathom/interfaces.sqlite" }

    public func store(_ upload: InterfaceUpload) async throws -> InterfaceStoreOutcome {
        let stamp = now()
        return try await pool.write { db in
            if let batchID = upload.batchID {
                let seen = try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM upload_batch WHERE batch_id = ?", arguments: [batchID])
                if seen == true { return .duplicate }
                try db.execute(
                    sql: "INSERT INTO upload_batch (batch_id, stored_at) VALUES (?, ?)", arguments: [batchID, stamp])
            }
            try InterfaceIngest(db: db, cluster: upload.cluster).apply(upload.records)
            return .stored
        }
    }

    public func lifeCycle(cluster: String?, host: String?) async throws -> [InterfaceLifeCycleRow] {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let cluster {
                conditions.append("cluster = ?")
                arguments += [cluster]
            }
            if let host {
                conditions.append("host = ?")
                arguments += [host]
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let sql = "SELECT * FROM interface" + filter + " ORDER BY host, ifname, active_from, id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.lifeCycleRow)
        }
    }

    public func devices(cluster: String?) async throws -> [InterfaceDevice] {
        try await pool.read { db in
            let sql = "SELECT cluster, host, first_seen, last_seen FROM device"
            let rows =
                try cluster.map {
                    try Row.fetchAll(db, sql: sql + " WHERE cluster = ? ORDER BY host", arguments: [$0])
                } ?? Row.fetchAll(db, sql: sql + " ORDER BY host, cluster")
            return rows.map {
                InterfaceDevice(
                    cluster: $0["cluster"], host: $0["host"], firstSeen: $0["first_seen"], lastSeen: $0["last_seen"])
            }
        }
    }

    public func rates(interfaceID: Int64, from: Int64, to: Int64) async throws -> [InterfaceRateStep] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM rate WHERE interface_id = ? AND time BETWEEN ? AND ? ORDER BY time",
                arguments: [interfaceID, from, to]
            ).map {
                InterfaceRateStep(
                    time: $0["time"], seconds: $0["seconds"], rxBytes: $0["rx_bytes"], txBytes: $0["tx_bytes"],
                    rxErrors: $0["rx_errors"], txErrors: $0["tx_errors"], rxDropped: $0["rx_dropped"],
                    txDropped: $0["tx_dropped"])
            }
        }
    }

    static func lifeCycleRow(_ row: Row) -> InterfaceLifeCycleRow {
        var lifeCycle = InterfaceLifeCycleRow(
            id: row["id"], cluster: row["cluster"], host: row["host"], name: row["ifname"], index: row["ifindex"],
            activeFrom: row["active_from"], activeUntil: row["active_until"], trafficUntil: row["traffic_until"],
            errorsUntil: row["errors_until"], discardsUntil: row["discards_until"], operState: row["oper"],
            adminUp: row["admin_up"], speedMbps: row["speed"], mtu: row["mtu"], macAddress: row["mac"],
            alias: row["alias"])
        lifeCycle.ipv4Address = row["ip"]
        return lifeCycle
    }
}
