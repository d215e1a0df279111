import FathomShared
import FathomTestSupport
import Foundation
import Hummingbird
import Logging

@testable import FathomReceiver

/// The esmond device API on 127.0.0.1 (a free port, plain HTTP) over a real interface store seeded
/// with a known history that ends at `now` (esmond-client's default window is the last hour):
///
/// - `node1`: `eth0` (1 Gbit/s) every 30 s for the last half hour, receiving 1000 B/s, sending
///   500 B/s, one input error per 30 s; `eth1` reported for its first ten minutes only.
/// - `node2`: `eth0.100` (speed unknown) receiving 2000 B/s over the same samples.
///
/// The server's clock stands still at `now` (the real clock unless a test places it, say just after
/// a full hour), so "active now" and every default window are reckoned from the instant the history
/// was seeded against.
struct DeviceTestServer {
    let port: Int
    let store: SQLiteInterfaceStore
    /// The first sample's time and the number of 30-second steps after it.
    let start: Int64
    /// The server's clock: the default window of a data request is `[now - 3600, now]`.
    let now: Int64
    static let steps: Int64 = 55
    static let eth1Steps: Int64 = 20

    /// The last sample's time for a clock at `now`: the first 30-second boundary at or after it.
    ///
    /// esmond bins the default window `[now - 3600, now]` from `ceil((now - 3600) / agg) * agg` to
    /// `floor(now / agg) * agg`, so at `agg=3600` its bins are the hour holding `now` (and the one before
    /// when `now` is on the hour). A history ending even a minute before `now` leaves that hour empty
    /// just after it begins; one whose last step `(last - 30, last]` reaches `now` overlaps it at any
    /// time of day (the last sample is then at most 29 s ahead of the clock).
    static func lastSample(now: Int64) -> Int64 { (now + 29) / 30 * 30 }

    static func with(
        now: Int64 = Int64(Date().timeIntervalSince1970), _ body: (DeviceTestServer) async throws -> Void
    ) async throws {
        let dir = TempDirectory("fathom-device-api")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"), now: { now })
        let start = lastSample(now: now) - 30 * steps
        for k in 0...steps {
            let time = start + 30 * k
            var records = [
                Self.record(
                    "node1", "eth0", time: time, index: 2, speed: 1000, rx: 1000 * 30 * UInt64(k),
                    tx: 500 * 30 * UInt64(k), errors: UInt64(k)),
                Self.record(
                    "node2", "eth0.100", time: time, index: 7, speed: nil, rx: 2000 * 30 * UInt64(k), tx: 0, errors: 0),
            ]
            if k < eth1Steps {
                records.append(
                    Self.record("node1", "eth1", time: time, index: 3, speed: 10_000, rx: 0, tx: 0, errors: 0))
            }
            _ = try await store.store(InterfaceUpload(cluster: "fox", batchID: nil, records: records))
        }
        var logger = Logger(label: "device-test")
        logger.logLevel = .critical
        let links = ArchiveLinkOrigin(scheme: "http", listenHost: "127.0.0.1", port: 0)
        let router = Router(context: IngestRequestContext.self)
        var routes = DeviceRoutes(store: store, links: links, logger: logger)
        routes.now = { now }
        routes.register(on: router)
        try await LoopbackHTTPServer.serve(router, links: links, logger: logger) { port in
            try await body(DeviceTestServer(port: port, store: store, start: start, now: now))
        }
    }

    static func record(
        _ host: String, _ name: String, time: Int64, index: Int, speed: Int?, rx: UInt64, tx: UInt64, errors: UInt64
    ) -> InterfaceRecord {
        var c = InterfaceRecord.Counters()
        c.rxBytes = rx
        c.txBytes = tx
        c.rxErrors = errors
        var record = InterfaceRecord(
            time: time, bootTime: 1_700_000_000, host: host, name: name, index: index, operState: "up", adminUp: true,
            speedMbps: speed, mtu: 1500, macAddress: "52:54:00:00:00:0\(index)", alias: "alias of \(name)",
            counters: c)
        record.ipv4Address = "192.0.2.\(index)"
        return record
    }

    func get(_ path: String) async throws -> RawHTTPClient.Reply {
        try await RawHTTPClient.send(port: port, method: "GET", path: path, headers: [], body: nil)
    }

    func post(_ path: String, json: String) async throws -> RawHTTPClient.Reply {
        try await RawHTTPClient.send(
            port: port, method: "POST", path: path, headers: [("Content-Type", "application/json")], body: json)
    }
}
