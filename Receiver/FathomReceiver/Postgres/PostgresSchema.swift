import FathomShared
import Logging
import PostgresNIO

/// The store's tables, as numbered migrations applied in order at start.
///
/// One receiver at a time migrates: each takes the session advisory lock ``migrationLock`` first,
/// so receivers started together never apply a step twice. A database whose version is newer
/// than ``migrations`` knows was upgraded by a newer receiver: this one refuses to start rather
/// than write rows that version no longer expects.
///
/// Samples are partitioned by the UTC day of their time (the day folder the file store would put
/// them in), so retention drops whole partitions (see `PostgresPartitions`).
///
/// ```swift
/// let (from, to) = try await PostgresSchema.migrate(connection, logger: logger)
/// ```
enum PostgresSchema {
    /// Advisory lock keys of this schema ("Fathom" in ASCII, then a small number).
    static let migrationLock: Int64 = 0x4661_7468_6F6D_0001
    static let partitionLock: Int64 = 0x4661_7468_6F6D_0002

    /// Each element is one version's statements, run in one transaction: the samples' (version 1,
    /// their index version 2), then the archive's (``PostgresArchiveSchema``, version 3), then the
    /// commit log (version 4).
    static let migrations: [[String]] = samples + PostgresArchiveSchema.migrations + [commitLog]

    /// Version 4: a group takes its commit number at the end of its transaction, not the start, so
    /// the groups of several receivers (and of one receiver's two connections) stream their lines
    /// at once and only take turns for the number and `COMMIT`. Rows carry the group's id (from a
    /// sequence, known at once), and `fathom_commits` maps each commit number to its group; the
    /// clock's row lock still orders the numbers, so the committed ones stay a gapless prefix.
    /// Rows stored before keep their commit number as their group id.
    static let commitLog: [String] = [
        "ALTER TABLE fathom_samples RENAME COLUMN commit_n TO group_id",
        "ALTER TABLE fathom_sysinfo RENAME COLUMN commit_n TO group_id",
        "CREATE TABLE fathom_commits (n bigint PRIMARY KEY, group_id bigint NOT NULL)",
        """
        INSERT INTO fathom_commits
        SELECT g, g FROM (SELECT group_id AS g FROM fathom_samples UNION SELECT group_id FROM fathom_sysinfo) AS x
        """,
        "CREATE SEQUENCE fathom_group_seq",
        "SELECT setval('fathom_group_seq', (SELECT n FROM fathom_commit_clock) + 1, false)",
    ]

    static let samples: [[String]] = [
        [
            """
            CREATE TABLE fathom_batches (
                id text PRIMARY KEY,
                stored_at timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE SEQUENCE fathom_sample_seq",
            // Every group transaction takes the next number here (since version 4 at its end, see
            // commitLog): the row lock orders the groups of all receivers, so committed numbers
            // are always a gapless prefix and `export-tree` can follow them with a cursor.
            "CREATE TABLE fathom_commit_clock (n bigint NOT NULL)",
            "INSERT INTO fathom_commit_clock VALUES (0)",
            """
            CREATE TABLE fathom_samples (
                day date NOT NULL,
                cluster text NOT NULL,
                host text NOT NULL,
                time timestamptz NOT NULL,
                "user" text NOT NULL,
                job bigint NOT NULL,
                cmd text NOT NULL,
                line text NOT NULL,
                commit_n bigint NOT NULL,
                seq bigint NOT NULL DEFAULT nextval('fathom_sample_seq')
            ) PARTITION BY RANGE (day)
            """,
            "CREATE INDEX fathom_samples_host_time ON fathom_samples (cluster, host, time)",
            "CREATE INDEX fathom_samples_commit ON fathom_samples (commit_n)",
            """
            CREATE TABLE fathom_sysinfo (
                day date NOT NULL,
                cluster text NOT NULL,
                host text NOT NULL,
                time timestamptz NOT NULL,
                document text NOT NULL,
                commit_n bigint NOT NULL,
                seq bigint NOT NULL DEFAULT nextval('fathom_sample_seq'))
            """,
            "CREATE INDEX fathom_sysinfo_day ON fathom_sysinfo (day, cluster, host)",
            "CREATE INDEX fathom_sysinfo_commit ON fathom_sysinfo (commit_n)",
        ],
        // The sample index Grafana reads, written in each group's transaction.
        PostgresSampleIndex.migration,
    ]

    /// The newest version this receiver knows.
    static var latestVersion: Int { migrations.count }

    /// Why a receiver refuses a database.
    struct NewerSchema: Error, CustomStringConvertible {
        var found: Int
        var known: Int
        var description: String {
            "the store's schema is version \(found), newer than this receiver knows (\(known)): "
                + "a newer fathom-receiver migrated it; upgrade this one"
        }
    }

    /// A new connection with the schema at ``latestVersion`` (the versions before and after), or
    /// the reason in an operator's words: how both stores start.
    static func connect(_ connector: PostgresConnector) async throws -> (
        connection: PostgresConnection, from: Int, to: Int
    ) {
        let connection: PostgresConnection
        do {
            connection = try await connector.connect()
        } catch {
            throw ConfigError("cannot connect to the store \(connector.address.display): \(PostgresFailure(error))")
        }
        do {
            let (from, to) = try await migrate(connection, logger: connector.logger)
            return (connection, from, to)
        } catch let error as NewerSchema {
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): \(error)")
        } catch {
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): schema migration failed: \(PostgresFailure(error))")
        }
    }

    /// Brings the schema to ``latestVersion``; returns the versions before and after.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> (from: Int, to: Int) {
        try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
        do {
            let result = try await migrateLocked(connection, logger: logger)
            try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
            throw error
        }
    }

    private static func migrateLocked(_ connection: PostgresConnection, logger: Logger) async throws -> (
        from: Int, to: Int
    ) {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS fathom_schema (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var current = 0
        for try await version in try await connection.query(
            "SELECT coalesce(max(version), 0)::int8 FROM fathom_schema", logger: logger
        ).decode(Int64.self) {
            current = Int(version)
        }
        guard current <= latestVersion else { throw NewerSchema(found: current, known: latestVersion) }
        for version in (current + 1)...max(current + 1, latestVersion) where version <= latestVersion {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in migrations[version - 1] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO fathom_schema (version) VALUES (\(Int64(version)))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.notice("store schema migrated", metadata: ["version": "\(version)"])
        }
        return (current, latestVersion)
    }
}
