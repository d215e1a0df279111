/// The measurement archive's tables in the store's database: migration steps that
/// ``PostgresSchema`` appends to its own, so they are applied under the same advisory lock and a
/// newer schema is refused the same way.
///
/// The same shape as the SQLite archive's (`ArchiveMigrations`), with a `fathom_archive_` prefix:
/// subject fields are columns (filtered often), the parameter set is kept as posted JSON for
/// output and again as rows for exact-match filters, and each series row is keyed by its time.
///
/// ```swift
/// static let migrations = samples + PostgresArchiveSchema.migrations
/// ```
enum PostgresArchiveSchema {
    static let metadata = "fathom_archive_metadata"
    static let parameter = "fathom_archive_parameter"
    static let eventType = "fathom_archive_event_type"
    static let point = "fathom_archive_point"

    /// The tables ``ArchiveMetadataSQL`` filters over.
    static let tables = ArchiveMetadataSQL.Tables(eventType: eventType, parameter: parameter)

    static let migrations: [[String]] = [
        [
            // The checksum's UNIQUE is what gives receivers posting the same metadata at once one key.
            """
            CREATE TABLE \(metadata) (
                key text PRIMARY KEY,
                checksum text NOT NULL UNIQUE,
                subject_type text NOT NULL,
                subject text NOT NULL,
                parameters text NOT NULL,
                source text NOT NULL DEFAULT '',
                destination text NOT NULL DEFAULT '',
                measurement_agent text NOT NULL DEFAULT '',
                tool_name text NOT NULL DEFAULT '',
                input_source text NOT NULL DEFAULT '',
                input_destination text NOT NULL DEFAULT '')
            """,
            """
            CREATE TABLE \(parameter) (
                metadata_key text NOT NULL REFERENCES \(metadata) (key),
                name text NOT NULL,
                value text NOT NULL,
                PRIMARY KEY (metadata_key, name))
            """,
            "CREATE INDEX \(parameter)_by_value ON \(parameter) (name, value)",
            """
            CREATE TABLE \(eventType) (
                metadata_key text NOT NULL REFERENCES \(metadata) (key),
                event_type text NOT NULL,
                summary_type text NOT NULL,
                summary_window bigint NOT NULL,
                time_updated bigint,
                PRIMARY KEY (metadata_key, event_type, summary_type, summary_window))
            """,
            "CREATE INDEX \(eventType)_by_name ON \(eventType) (event_type, time_updated)",
            """
            CREATE TABLE \(point) (
                metadata_key text NOT NULL,
                event_type text NOT NULL,
                summary_type text NOT NULL,
                summary_window bigint NOT NULL,
                ts bigint NOT NULL,
                value text NOT NULL,
                PRIMARY KEY (metadata_key, event_type, summary_type, summary_window, ts))
            """,
        ]
    ]
}
