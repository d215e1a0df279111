import GRDB

/// The SQLite archive's schema, one migration per change so existing files upgrade in place.
enum ArchiveMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-esmond-core") { db in
            // Subject fields are columns (filtered often); the whole parameter set is kept as posted
            // JSON for output, and again as rows for exact-match free filters.
            try db.execute(
                sql: """
                    CREATE TABLE metadata (
                        key TEXT PRIMARY KEY NOT NULL,
                        checksum TEXT NOT NULL UNIQUE,
                        subject_type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        source TEXT NOT NULL DEFAULT '',
                        destination TEXT NOT NULL DEFAULT '',
                        measurement_agent TEXT NOT NULL DEFAULT '',
                        tool_name TEXT NOT NULL DEFAULT '',
                        input_source TEXT NOT NULL DEFAULT '',
                        input_destination TEXT NOT NULL DEFAULT ''
                    );
                    CREATE TABLE metadata_parameter (
                        metadata_key TEXT NOT NULL REFERENCES metadata(key),
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (metadata_key, name)
                    ) WITHOUT ROWID;
                    CREATE INDEX metadata_parameter_by_value ON metadata_parameter(name, value);
                    CREATE TABLE event_type (
                        metadata_key TEXT NOT NULL REFERENCES metadata(key),
                        event_type TEXT NOT NULL,
                        summary_type TEXT NOT NULL,
                        summary_window INTEGER NOT NULL,
                        time_updated INTEGER,
                        PRIMARY KEY (metadata_key, event_type, summary_type, summary_window)
                    ) WITHOUT ROWID;
                    CREATE INDEX event_type_by_name ON event_type(event_type, time_updated);
                    CREATE TABLE point (
                        metadata_key TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        summary_type TEXT NOT NULL,
                        summary_window INTEGER NOT NULL,
                        ts INTEGER NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (metadata_key, event_type, summary_type, summary_window, ts)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-forward-log") { db in
            // Base points in commit order for forwarding (`ArchiveForwardLog`): filled by a trigger
            // that exists only while a destination forwards the archive, trimmed behind the slowest
            // destination's cursor. A cursor's plan (`plan_to`) is written before a batch is sent,
            // so a batch resent after a crash has the same messages and ids.
            try db.execute(
                sql: """
                    CREATE TABLE point_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        metadata_key TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        ts INTEGER NOT NULL
                    );
                    """ + ForwardCursors.createTable)
        }
        return migrator
    }
}
