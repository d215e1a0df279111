/// Turns an ``ArchiveMetadataFilter`` into a WHERE clause over `metadata m`, for either store;
/// every value is a bound argument, so filter strings never become SQL.
///
/// ```swift
/// let clause = ArchiveMetadataSQL.whereClause(filter, tables: .sqlite, placeholder: { _ in "?" })
/// // SELECT m.key FROM metadata m WHERE \(clause.sql)   bound with clause.values
/// ```
enum ArchiveMetadataSQL {
    /// A bound value of the clause.
    enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
    }

    /// The tables the clause names (the PostgreSQL store prefixes its own).
    struct Tables: Sendable {
        var eventType: String
        var parameter: String

        static let sqlite = Tables(eventType: "event_type", parameter: "metadata_parameter")
    }

    /// `placeholder(n)` writes the mark of the n-th value (1-based): `?` for SQLite, `$n` for PostgreSQL.
    static func whereClause(
        _ filter: ArchiveMetadataFilter, tables: Tables, placeholder: (Int) -> String
    ) -> (sql: String, values: [Value]) {
        var clauses = ["1 = 1"]
        var values: [Value] = []
        func bind(_ value: Value) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        for field in filter.subject.keys.sorted() {
            let fieldValues = filter.subject[field]!.sorted()
            guard let column = subjectColumns[field] else { continue }
            if fieldValues.isEmpty {
                clauses.append("1 = 0")
                continue
            }
            clauses.append("m.\(column) IN (\(fieldValues.map { bind(.text($0)) }.joined(separator: ",")))")
        }
        if let subjectType = filter.subjectType { clauses.append("m.subject_type = \(bind(.text(subjectType)))") }
        if let key = filter.metadataKey { clauses.append("m.key = \(bind(.text(key)))") }
        // One and the same event-type row must satisfy all of these, as in esmond's single filter().
        var row: [String] = []
        if let eventType = filter.eventType { row.append("e.event_type = \(bind(.text(eventType)))") }
        if let summaryType = filter.summaryType { row.append("e.summary_type = \(bind(.text(summaryType)))") }
        if let window = filter.summaryWindow { row.append("e.summary_window = \(bind(.integer(window)))") }
        if let time = filter.timeUpdated {
            row.append("e.time_updated IS NOT NULL")
            if let begin = time.begin { row.append("e.time_updated >= \(bind(.integer(begin)))") }
            if let end = time.end { row.append("e.time_updated <= \(bind(.integer(end)))") }
        }
        if !row.isEmpty {
            clauses.append(
                "EXISTS (SELECT 1 FROM \(tables.eventType) e WHERE e.metadata_key = m.key AND "
                    + row.joined(separator: " AND ") + ")")
        }
        for name in filter.parameters.keys.sorted() {
            let nameMark = bind(.text(name))
            let valueMark = bind(.text(filter.parameters[name]!))
            clauses.append(
                "EXISTS (SELECT 1 FROM \(tables.parameter) p WHERE p.metadata_key = m.key "
                    + "AND p.name = \(nameMark) AND p.value = \(valueMark))")
        }
        return (clauses.joined(separator: " AND "), values)
    }

    /// JSON subject field name → column of `metadata`.
    static let subjectColumns: [String: String] = [
        "source": "source", "destination": "destination", "measurement-agent": "measurement_agent",
        "tool-name": "tool_name", "input-source": "input_source", "input-destination": "input_destination",
    ]
}
