import FathomShared
import FathomTestSupport
import GRDB
import Testing

@testable import FathomReceiver

/// The embedded interface store on a real SQLite file: life-cycle transitions, rates and their
/// high-water marks, replays, and what survives reopening the file.
@Suite("Interfaces: SQLite store life cycle and rates", .timeLimit(.minutes(2)))
struct InterfaceStoreTests {
    static let boot: Int64 = 1_700_000_000

    static func record(
        _ name: String, at time: Int64, index: Int = 2, host: String = "node1", boot: Int64 = InterfaceStoreTests.boot,
        rx: UInt64 = 0, tx: UInt64 = 0, errors: UInt64 = 0, speed: Int? = 1000
    ) -> InterfaceRecord {
        var c = InterfaceRecord.Counters()
        c.rxBytes = rx
        c.txBytes = tx
        c.rxErrors = errors
        return InterfaceRecord(
            time: time, bootTime: boot, host: host, name: name, index: index, operState: "up", adminUp: true,
            speedMbps: speed, mtu: 1500, macAddress: "52:54:00:00:00:01", alias: "", counters: c)
    }

    static func upload(_ records: [InterfaceRecord], batch: String? = nil) -> InterfaceUpload {
        InterfaceUpload(cluster: "fox", batchID: batch.map { "fox/" + $0 }, records: records)
    }

    @Test("appear, vanish while the host reports, come back: two rows, the first closed at the vanishing sample")
    func lifeCycleTransitions() async throws {
        let dir = TempDirectory("fathom-ifstore")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"))
        let t0: Int64 = 1_700_000_030
        _ = try await store.store(Self.upload([Self.record("eth0", at: t0), Self.record("eth1", at: t0, index: 3)]))
        _ = try await store.store(Self.upload([Self.record("eth0", at: t0 + 30)]))
        var rows = try await store.lifeCycle(cluster: "fox", host: "node1")
        #expect(rows.map(\.name) == ["eth0", "eth1"])
        #expect(rows[0].activeFrom == t0 && rows[0].activeUntil == nil)
        #expect(rows[1].activeFrom == t0 && rows[1].activeUntil == t0 + 30, "closed by the first sample without it")
        #expect(rows[1].trafficUntil == t0, "its data ends at its last sample")
        _ = try await store.store(
            Self.upload([Self.record("eth0", at: t0 + 60), Self.record("eth1", at: t0 + 60, index: 3)]))
        rows = try await store.lifeCycle(cluster: "fox", host: "node1")
        #expect(rows.map(\.name) == ["eth0", "eth1", "eth1"])
        #expect(rows[2].activeFrom == t0 + 60 && rows[2].activeUntil == nil, "its return is a new row")
        #expect(rows[1].activeUntil == t0 + 30, "the closed row stays closed")
        // Another host's samples never close this host's rows.
        _ = try await store.store(Self.upload([Self.record("eth9", at: t0 + 90, host: "node2")]))
        #expect(
            try await store.lifeCycle(cluster: "fox", host: "node1").allSatisfy {
                $0.name == "eth1" || $0.activeUntil == nil
            })
        #expect(try await store.devices(cluster: "fox").map(\.host) == ["node1", "node2"])
    }

    @Test("the same name under a new ifindex is another interface: the old row ends, counters start afresh")
    func recreated() async throws {
        let dir = TempDirectory("fathom-ifstore")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"))
        _ = try await store.store(Self.upload([Self.record("veth0", at: 1000, index: 5, rx: 9_000_000)]))
        _ = try await store.store(Self.upload([Self.record("veth0", at: 1030, index: 8, rx: 100)]))
        let rows = try await store.lifeCycle(cluster: "fox", host: "node1")
        #expect(rows.map(\.index) == [5, 8])
        #expect(rows[0].activeUntil == 1030 && rows[1].activeUntil == nil)
        #expect(
            try await store.rates(interfaceID: rows[1].id, from: 0, to: 2000).isEmpty, "no rate across two interfaces")
    }

    @Test("rates per second; a 32-bit wrap counted, a reboot and a reset give no rate, never a negative one")
    func rates() async throws {
        let dir = TempDirectory("fathom-ifstore")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"))
        let wrapStart = UInt64(UInt32.max) - 2999
        let steps: [InterfaceRecord] = [
            Self.record("eth0", at: 1000, rx: 1_000, tx: wrapStart, errors: 7),
            Self.record("eth0", at: 1030, rx: 31_000, tx: 3000, errors: 10),  // tx wrapped at 2^32: 6000 bytes
            Self.record("eth0", at: 1060, boot: Self.boot + 5000, rx: 500, tx: 5_000_000_000, errors: 0),  // rebooted
            Self.record("eth0", at: 1090, boot: Self.boot + 5000, rx: 60_500, tx: 50, errors: 0),  // tx reset
        ]
        for record in steps { _ = try await store.store(Self.upload([record])) }
        let row = try #require(try await store.lifeCycle(cluster: "fox", host: "node1").first)
        let rates = try await store.rates(interfaceID: row.id, from: 0, to: 5000)
        #expect(rates.map(\.time) == [1030, 1060, 1090])
        #expect(rates[0].rxBytes == 1000 && rates[0].txBytes == 200 && rates[0].rxErrors == 0.1)
        #expect(rates[1].rxBytes == nil && rates[1].txBytes == nil && rates[1].rxErrors == nil, "reboot: no rate")
        #expect(
            rates[2].rxBytes == 2000 && rates[2].txBytes == nil,
            "a drop from past 2^32 that no wrap explains is a reset")
        #expect(rates.allSatisfy { [$0.rxBytes, $0.txBytes, $0.rxErrors].allSatisfy { ($0 ?? 0) >= 0 } })
        #expect(row.trafficUntil == 1090 && row.errorsUntil == 1090 && row.discardsUntil == 1090)
    }

    @Test("a replayed batch id is acknowledged and stores nothing; a late sample changes no life cycle")
    func replayAndLate() async throws {
        let dir = TempDirectory("fathom-ifstore")
        defer { dir.remove() }
        let path = dir.file("interfaces.sqlite")
        var store = try SQLiteInterfaceStore(path: path)
        #expect(try await store.store(Self.upload([Self.record("eth0", at: 1000, rx: 0)], batch: "a")) == .stored)
        #expect(try await store.store(Self.upload([Self.record("eth0", at: 1030, rx: 30)], batch: "b")) == .stored)
        // Reopened: the ledger of batch ids is in the file, not in memory.
        store = try SQLiteInterfaceStore(path: path)
        #expect(try await store.store(Self.upload([Self.record("eth0", at: 1030, rx: 30)], batch: "b")) == .duplicate)
        // A sample older than the host's newest, lacking eth0, closes nothing.
        _ = try await store.store(Self.upload([Self.record("eth5", at: 1010)], batch: "c"))
        let rows = try await store.lifeCycle(cluster: "fox", host: "node1")
        #expect(rows.map(\.name) == ["eth0"] && rows[0].activeUntil == nil)
        #expect(try await store.rates(interfaceID: rows[0].id, from: 0, to: 5000).map(\.rxBytes) == [1])
        #expect(rows[0].trafficUntil == 1030)
    }

    @Test("the writer commits at synchronous = FULL in WAL mode: an acknowledged upload is synced")
    func durability() async throws {
        let dir = TempDirectory("fathom-ifstore")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"))
        let mode = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == 2, "synchronous = \(String(describing: mode)); FULL is 2")
        let journal = try await store.pool.write { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }
}
