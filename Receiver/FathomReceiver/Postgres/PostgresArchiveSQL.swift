import PostgresNIO

/// The PostgreSQL archive's statements that are built from parts (the tables are
/// ``PostgresArchiveSchema``'s).
///
/// ```swift
/// let query = PostgresArchiveSQL.insertMetadata(key: key, checksum: sum, subjectType: "point-to-point", …)
/// ```
enum PostgresArchiveSQL {
    /// JSON subject field and its column, in the order ``insertMetadata`` takes them.
    static let subjectColumns: [(field: String, column: String)] = ArchiveMetadataSQL.subjectColumns
        .sorted { $0.value < $1.value }.map { (field: $0.key, column: $0.value) }

    /// Inserts the metadata row unless one with the same checksum exists; returns its key when inserted.
    /// `columns` are the subject values in ``subjectColumns``' order.
    static func insertMetadata(
        key: String, checksum: String, subjectType: String, subject: String, parameters: String, columns: [String]
    ) -> PostgresQuery {
        var binds = PostgresBindings()
        for value in [key, checksum, subjectType, subject, parameters] + columns { binds.append(value) }
        let names = ["key", "checksum", "subject_type", "subject", "parameters"] + subjectColumns.map(\.column)
        let marks = (1...names.count).map { "$\($0)" }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(PostgresArchiveSchema.metadata) (\(names.joined(separator: ", ")))
                VALUES (\(marks.joined(separator: ", ")))
                ON CONFLICT (checksum) DO NOTHING RETURNING key
                """, binds: binds)
    }

    /// A checksum whose metadata was neither inserted nor found: it was deleted meanwhile.
    struct Vanished: Error, CustomStringConvertible {
        var checksum: String
        var description: String { "archive metadata with checksum \(checksum) vanished while it was stored" }
    }
}
