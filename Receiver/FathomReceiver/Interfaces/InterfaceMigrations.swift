import GRDB

/// The interface store's schema, one migration per change so existing files upgrade in place.
enum InterfaceMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-interfaces") { db in
            // Counters are kernel u64s, kept as the INTEGER with the same bits (Int64(bitPattern:)).
            try db.execute(
                sql: """
                    CREATE TABLE upload_batch (
                        batch_id TEXT PRIMARY KEY NOT NULL,
                        stored_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE device (
                        cluster TEXT NOT NULL,
                        host TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        PRIMARY KEY (cluster, host)
                    ) WITHOUT ROWID;
                    CREATE TABLE interface (
                        id INTEGER PRIMARY KEY,
                        cluster TEXT NOT NULL,
                        host TEXT NOT NULL,
                        ifname TEXT NOT NULL,
                        ifindex INTEGER NOT NULL,
                        active_from INTEGER NOT NULL,
                        active_until INTEGER,
                        traffic_until INTEGER,
                        errors_until INTEGER,
                        discards_until INTEGER,
                        oper TEXT NOT NULL,
                        admin_up INTEGER NOT NULL,
                        speed INTEGER,
                        mtu INTEGER NOT NULL,
                        mac TEXT,
                        alias TEXT NOT NULL,
                        last_time INTEGER NOT NULL,
                        last_boot INTEGER NOT NULL,
                        rxb INTEGER NOT NULL, txb INTEGER NOT NULL, rxp INTEGER NOT NULL, txp INTEGER NOT NULL,
                        rxe INTEGER NOT NULL, txe INTEGER NOT NULL, rxd INTEGER NOT NULL, txd INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX interface_open ON interface(cluster, host, ifname) WHERE active_until IS NULL;
                    CREATE INDEX interface_by_host ON interface(cluster, host, ifname, active_from);
                    CREATE TABLE counter_sample (
                        interface_id INTEGER NOT NULL REFERENCES interface(id),
                        time INTEGER NOT NULL,
                        boot INTEGER NOT NULL,
                        rxb INTEGER NOT NULL, txb INTEGER NOT NULL, rxp INTEGER NOT NULL, txp INTEGER NOT NULL,
                        rxe INTEGER NOT NULL, txe INTEGER NOT NULL, rxd INTEGER NOT NULL, txd INTEGER NOT NULL,
                        PRIMARY KEY (interface_id, time)
                    ) WITHOUT ROWID;
                    CREATE TABLE rate (
                        interface_id INTEGER NOT NULL REFERENCES interface(id),
                        time INTEGER NOT NULL,
                        seconds INTEGER NOT NULL,
                        rx_bytes REAL, tx_bytes REAL, rx_errors REAL, tx_errors REAL, rx_dropped REAL, tx_dropped REAL,
                        PRIMARY KEY (interface_id, time)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-interface-ipv4") { db in
            try db.execute(sql: "ALTER TABLE interface ADD COLUMN ip TEXT")
        }
        migrator.registerMigration("v3-forward-log") { db in
            // Interface rows opened and rates stored, in commit order, for forwarding
            // (`InterfaceForwardLog`): filled by triggers that exist only while a destination
            // forwards interfaces.
            try db.execute(
                sql: """
                    CREATE TABLE interface_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        interface_id INTEGER NOT NULL,
                        time INTEGER NOT NULL
                    );
                    """ + ForwardCursors.createTable)
        }
        return migrator
    }
}
