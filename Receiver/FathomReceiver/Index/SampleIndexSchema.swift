import GRDB

/// The sample index's tables, one migration per change so existing files upgrade in place.
///
/// Each aggregate table keeps the same usage columns (`UsageColumn`); `file_mark` holds, per day
/// file, the byte offset up to which the file has been folded (the high-water mark), written in
/// the same transaction as the aggregates it accounts for.
enum SampleIndexSchema {
    static let usageColumns =
        "cpu REAL NOT NULL, cpukib INTEGER NOT NULL, rssanonkib INTEGER NOT NULL, "
        + "gpu REAL NOT NULL, gpumem REAL NOT NULL, gpukib INTEGER NOT NULL, processes INTEGER NOT NULL"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-sample-index") { db in
            try db.execute(
                sql: """
                    CREATE TABLE host_sample (
                        cluster TEXT NOT NULL, host TEXT NOT NULL, time INTEGER NOT NULL, \(usageColumns),
                        jobs INTEGER NOT NULL, users INTEGER NOT NULL,
                        PRIMARY KEY (cluster, host, time)
                    ) WITHOUT ROWID;
                    CREATE TABLE cluster_minute (
                        cluster TEXT NOT NULL, minute INTEGER NOT NULL, \(usageColumns), hosts INTEGER NOT NULL,
                        PRIMARY KEY (cluster, minute)
                    ) WITHOUT ROWID;
                    CREATE TABLE job_minute (
                        cluster TEXT NOT NULL, job TEXT NOT NULL, minute INTEGER NOT NULL, user TEXT NOT NULL,
                        \(usageColumns),
                        PRIMARY KEY (cluster, job, minute)
                    ) WITHOUT ROWID;
                    CREATE INDEX job_minute_by_time ON job_minute (cluster, minute);
                    CREATE TABLE user_minute (
                        cluster TEXT NOT NULL, user TEXT NOT NULL, minute INTEGER NOT NULL, \(usageColumns),
                        PRIMARY KEY (cluster, user, minute)
                    ) WITHOUT ROWID;
                    CREATE TABLE file_mark (path TEXT PRIMARY KEY NOT NULL, folded_to INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-forward-log") { db in
            // Folded day-file spans in commit order for forwarding (`SampleForwardLog`): filled by
            // triggers on `file_mark` that exist only while a destination forwards samples.
            try db.execute(
                sql: """
                    CREATE TABLE sample_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        path TEXT NOT NULL,
                        offset INTEGER NOT NULL,
                        length INTEGER NOT NULL
                    );
                    """ + ForwardCursors.createTable)
        }
        return migrator
    }

    /// `SET cpu = cpu + excluded.cpu, …` for an upsert that adds.
    static func addingUpdate(_ extra: [String] = []) -> String {
        (["cpu", "cpukib", "rssanonkib", "gpu", "gpumem", "gpukib", "processes"] + extra)
            .map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
    }
}
