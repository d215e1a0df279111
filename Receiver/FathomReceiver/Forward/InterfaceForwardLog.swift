import FathomShared
import GRDB

/// The interfaces' side of forwarding, in the shapes the ESnet collector published and
/// sand-ci/ps-ingest's `EsNetInterfaceCollector` / `EsNetTrafficCollector` read: an interface row
/// opened (new, or back after it was gone) is an `esnet_interfaces` message (the Netbeam
/// interface record plus `timestamp` in ms), and each stored rate step is three `esnet_traffic`
/// messages, `recordType` `traffic` (bit/s), `errors` and `discards` (per second), with
/// `name` = `devices/<host>/interfaces/<ifname>`, `timestamp` (ms), `in` and `out`. Triggers on
/// the interface store's `interface` and `rate` tables log them in the same transaction as the
/// data; cursors and plans as for the archive (`ForwardCursors`).
///
/// ```swift
/// let log = try InterfaceForwardLog(path: data + "/.fathom/interfaces.sqlite")
/// try await log.configure(destinations: ["psdata"])
/// ```
public final class InterfaceForwardLog: ForwardSource {
    var pool: DatabasePool { cursors.pool }
    public let stream = "interfaces"
    private let cursors: ForwardCursors

    public init(path: String) throws {
        cursors = try ForwardCursors(
            path: path, migrator: InterfaceMigrations.migrator, synchronousFull: true, log: "interface_log",
            stream: "interfaces")
    }

    public func configure(destinations: [String]) async throws {
        try await pool.write { [cursors] db in
            if destinations.isEmpty {
                try db.execute(sql: "DROP TRIGGER IF EXISTS interface_forward_open")
                try db.execute(sql: "DROP TRIGGER IF EXISTS rate_forward_store")
            } else {
                try db.execute(
                    sql: """
                        CREATE TRIGGER IF NOT EXISTS interface_forward_open AFTER INSERT ON interface
                        BEGIN
                            INSERT INTO interface_log (kind, interface_id, time) VALUES ('interface', NEW.id, NEW.active_from);
                        END;
                        CREATE TRIGGER IF NOT EXISTS rate_forward_store AFTER INSERT ON rate
                        BEGIN
                            INSERT INTO interface_log (kind, interface_id, time) VALUES ('rate', NEW.interface_id, NEW.time);
                        END;
                        """)
            }
            try cursors.configure(db, destinations: destinations)
        }
    }

    public func nextBatch(for forward: ForwardSettings) async throws -> ForwardPlan? {
        try await pool.write { [cursors] db in
            guard let (after, through) = try cursors.plan(db, destination: forward.name, limit: 500) else {
                return nil
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.seq, l.kind, l.time, i.cluster, i.host, i.ifname, i.ifindex, i.alias, i.speed, i.mtu, i.ip,
                        r.rx_bytes, r.tx_bytes, r.rx_errors, r.tx_errors, r.rx_dropped, r.tx_dropped
                    FROM interface_log l JOIN interface i ON i.id = l.interface_id
                    LEFT JOIN rate r ON l.kind = 'rate' AND r.interface_id = l.interface_id AND r.time = l.time
                    WHERE l.seq > ? AND l.seq <= ? ORDER BY l.seq
                    """,
                arguments: [after, through])
            var messages: [AMQPMessage] = []
            for row in rows {
                let seq: Int64 = row["seq"]
                let host: String = row["host"]
                let ifname: String = row["ifname"]
                let resource = "devices/\(host)/interfaces/\(ifname)"
                let timestamp = JSONValue.integer((row["time"] as Int64) * 1000)
                if row["kind"] as String == "interface" {
                    let ip: String? = row["ip"]
                    let speed: Int64? = row["speed"]
                    let body = JSONValue.object([
                        "namespace": .string("fathom/\(row["cluster"] as String)"), "resource": .string(resource),
                        "name": .string(ifname), "device": .string(host),
                        "ifIndex": .string(String(row["ifindex"] as Int64)),
                        "description": .string(row["alias"]), "speed": speed.map(JSONValue.integer) ?? .null,
                        "mtu": .integer(row["mtu"]), "ipv4": ip.map(JSONValue.string) ?? .null,
                        "timestamp": timestamp,
                    ])
                    messages.append(
                        AMQPMessage(
                            routingKey: forward.interfacesRoutingKey, id: "interfaces-\(seq)",
                            body: JSONText.bytes(body)))
                    continue
                }
                let series: [(String, String, String, Double)] = [
                    ("traffic", "rx_bytes", "tx_bytes", 8), ("errors", "rx_errors", "tx_errors", 1),
                    ("discards", "rx_dropped", "tx_dropped", 1),
                ]
                for (recordType, inColumn, outColumn, scale) in series {
                    // A step with no rate (a counter reset) has nothing to say for that series.
                    guard let input: Double = row[inColumn], let output: Double = row[outColumn] else { continue }
                    let body = JSONValue.object([
                        "name": .string(resource), "recordType": .string(recordType), "timestamp": timestamp,
                        "in": .number(input * scale), "out": .number(output * scale),
                    ])
                    messages.append(
                        AMQPMessage(
                            routingKey: forward.trafficRoutingKey, id: "interfaces-\(seq)-\(recordType)",
                            body: JSONText.bytes(body)))
                }
            }
            return ForwardPlan(through: through, messages: messages, records: rows.count)
        }
    }

    public func complete(destination: String, through: Int64) async throws {
        try await cursors.complete(destination: destination, through: through)
    }

    public func status() async throws -> [ForwardStatus] {
        try await cursors.status()
    }
}
