import FathomShared
import GRDB

/// Folds one upload's records into the interface tables inside the caller's write transaction:
/// raw counters, rates against each interface's previous sample, the life-cycle rows and their
/// high-water marks, all or nothing.
///
/// Samples are taken per host in time order. A sample newer than the host's newest drives the
/// life cycle: an interface not seen before (or seen under a new index: re-created) opens a row,
/// an open row the sample lacks is closed at the sample's time. A sample no newer than the host's
/// newest (a late batch) only adds its raw counters to the rows it falls in; it changes neither
/// rates nor the life cycle, so a late batch can never reopen or close anything.
struct InterfaceIngest {
    let db: Database
    let cluster: String

    func apply(_ records: [InterfaceRecord]) throws {
        var samples: [String: [Int64: [InterfaceRecord]]] = [:]
        for record in records { samples[record.host, default: [:]][record.time, default: []].append(record) }
        for host in samples.keys.sorted() {
            for (time, sample) in samples[host]!.sorted(by: { $0.key < $1.key }) {
                try apply(host: host, time: time, sample: sample)
            }
        }
    }

    private func apply(host: String, time: Int64, sample: [InterfaceRecord]) throws {
        let lastSeen = try Int64.fetchOne(
            db, sql: "SELECT last_seen FROM device WHERE cluster = ? AND host = ?", arguments: [cluster, host])
        guard lastSeen.map({ time > $0 }) ?? true else {
            try storeLate(host: host, time: time, sample: sample)
            return
        }
        try db.execute(
            sql: """
                INSERT INTO device (cluster, host, first_seen, last_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT (cluster, host) DO UPDATE SET last_seen = excluded.last_seen
                """,
            arguments: [cluster, host, time, time])
        for record in sample {
            let open = try Row.fetchOne(
                db,
                sql: "SELECT * FROM interface WHERE cluster = ? AND host = ? AND ifname = ? AND active_until IS NULL",
                arguments: [cluster, host, record.name])
            let id: Int64
            if let open, open["ifindex"] as Int == record.index {
                id = open["id"]
                try storeRates(id: id, previous: open, record: record)
                try update(id: id, record: record)
            } else {
                if let open {
                    // Same name, new index: the old interface is gone, this is another one.
                    try close(id: open["id"], at: time)
                }
                id = try openRow(record)
            }
            try storeCounters(id: id, record: record)
        }
        // What this host reported before and no longer does ended by this sample.
        let present = sample.map(\.name)
        var arguments: StatementArguments = [time, cluster, host]
        arguments += StatementArguments(present)
        let absent =
            present.isEmpty ? "" : " AND ifname NOT IN (" + present.map { _ in "?" }.joined(separator: ",") + ")"
        try db.execute(
            sql: "UPDATE interface SET active_until = ? WHERE cluster = ? AND host = ? AND active_until IS NULL"
                + absent,
            arguments: arguments)
    }

    /// A sample at or before the host's newest: its counters go to the row that was active then.
    private func storeLate(host: String, time: Int64, sample: [InterfaceRecord]) throws {
        for record in sample {
            let id = try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM interface WHERE cluster = ? AND host = ? AND ifname = ? AND ifindex = ?
                    AND active_from <= ? AND (active_until IS NULL OR active_until > ?)
                    ORDER BY active_from DESC LIMIT 1
                    """,
                arguments: [cluster, host, record.name, record.index, time, time])
            if let id { try storeCounters(id: id, record: record, ignoringDuplicate: true) }
        }
    }

    private func openRow(_ record: InterfaceRecord) throws -> Int64 {
        let c = record.counters
        try db.execute(
            sql: """
                INSERT INTO interface (cluster, host, ifname, ifindex, active_from, oper, admin_up, speed, mtu, mac,
                    ip, alias, last_time, last_boot, rxb, txb, rxp, txp, rxe, txe, rxd, txd)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                cluster, record.host, record.name, record.index, record.time, record.operState, record.adminUp,
                record.speedMbps, record.mtu, record.macAddress, record.ipv4Address, record.alias, record.time,
                record.bootTime,
            ] + Self.counterArguments(c))
        return db.lastInsertedRowID
    }

    private func close(id: Int64, at time: Int64) throws {
        try db.execute(sql: "UPDATE interface SET active_until = ? WHERE id = ?", arguments: [time, id])
    }

    /// The newest description and counter state, and the high-water marks: in this transaction,
    /// with the counters and rates they cover.
    private func update(id: Int64, record: InterfaceRecord) throws {
        try db.execute(
            sql: """
                UPDATE interface SET oper = ?, admin_up = ?, speed = ?, mtu = ?, mac = ?, ip = ?, alias = ?,
                    last_time = ?, last_boot = ?, rxb = ?, txb = ?, rxp = ?, txp = ?, rxe = ?, txe = ?, rxd = ?, txd = ?
                WHERE id = ?
                """,
            arguments: [
                record.operState, record.adminUp, record.speedMbps, record.mtu, record.macAddress, record.ipv4Address,
                record.alias,
                record.time, record.bootTime,
            ] + Self.counterArguments(record.counters) + [id])
    }

    private func storeCounters(id: Int64, record: InterfaceRecord, ignoringDuplicate: Bool = false) throws {
        try db.execute(
            sql: """
                INSERT \(ignoringDuplicate ? "OR IGNORE " : "")INTO counter_sample
                    (interface_id, time, boot, rxb, txb, rxp, txp, rxe, txe, rxd, txd)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [id, record.time, record.bootTime] + Self.counterArguments(record.counters))
        guard !ignoringDuplicate else { return }
        try db.execute(
            sql: """
                UPDATE interface SET traffic_until = max(coalesce(traffic_until, 0), ?),
                    errors_until = max(coalesce(errors_until, 0), ?), discards_until = max(coalesce(discards_until, 0), ?)
                WHERE id = ?
                """,
            arguments: [record.time, record.time, record.time, id])
    }

    private func storeRates(id: Int64, previous: Row, record: InterfaceRecord) throws {
        let lastTime: Int64 = previous["last_time"]
        let lastBoot: Int64 = previous["last_boot"]
        let seconds = record.time - lastTime
        guard seconds > 0 else { return }
        // A new boot time restarted every counter, whatever the values suggest.
        let rebooted = lastBoot != 0 && record.bootTime != 0 && lastBoot != record.bootTime
        func rate(_ column: String, _ current: UInt64, maxPerSecond: Double) -> Double? {
            guard !rebooted else { return nil }
            let before = UInt64(bitPattern: previous[column] as Int64)
            return CounterStep.growth(
                from: before, to: current, seconds: Double(seconds), maxPerSecond: maxPerSecond
            ).map { Double($0) / Double(seconds) }
        }
        let bytes = CounterStep.maxBytesPerSecond(speedMbps: record.speedMbps)
        let packets = CounterStep.maxPacketsPerSecond(speedMbps: record.speedMbps)
        let c = record.counters
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO rate (interface_id, time, seconds, rx_bytes, tx_bytes, rx_errors, tx_errors,
                    rx_dropped, tx_dropped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, record.time, seconds, rate("rxb", c.rxBytes, maxPerSecond: bytes),
                rate("txb", c.txBytes, maxPerSecond: bytes), rate("rxe", c.rxErrors, maxPerSecond: packets),
                rate("txe", c.txErrors, maxPerSecond: packets), rate("rxd", c.rxDropped, maxPerSecond: packets),
                rate("txd", c.txDropped, maxPerSecond: packets),
            ])
    }

    static func counterArguments(_ c: InterfaceRecord.Counters) -> StatementArguments {
        StatementArguments(c.named.map { Int64(bitPattern: $0.1) })
    }
}
