import GRDB

/// Turns an ``ArchiveMetadataFilter`` into a WHERE clause over `metadata m`; every value is a
/// bound argument, so filter strings never become SQL.
enum ArchiveMetadataSQL {
    static func whereClause(_ filter: ArchiveMetadataFilter) -> (String, StatementArguments) {
        var clauses = ["1"]
        var arguments = StatementArguments()
        for field in filter.subject.keys.sorted() {
            let values = filter.subject[field]!.sorted()
            guard let column = subjectColumns[field] else { continue }
            if values.isEmpty {
                clauses.append("0")
                continue
            }
            clauses.append("m.\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
            arguments += StatementArguments(values)
        }
        if let subjectType = filter.subjectType {
            clauses.append("m.subject_type = ?")
            arguments += [subjectType]
        }
        if let key = filter.metadataKey {
            clauses.append("m.key = ?")
            arguments += [key]
        }
        // One and the same event-type row must satisfy all of these, as in esmond's single filter().
        var row: [String] = []
        if let eventType = filter.eventType {
            row.append("e.event_type = ?")
            arguments += [eventType]
        }
        if let summaryType = filter.summaryType {
            row.append("e.summary_type = ?")
            arguments += [summaryType]
        }
        if let window = filter.summaryWindow {
            row.append("e.summary_window = ?")
            arguments += [window]
        }
        if let time = filter.timeUpdated {
            row.append("e.time_updated IS NOT NULL")
            if let begin = time.begin {
                row.append("e.time_updated >= ?")
                arguments += [begin]
            }
            if let end = time.end {
                row.append("e.time_updated <= ?")
                arguments += [end]
            }
        }
        if !row.isEmpty {
            clauses.append(
                "EXISTS (SELECT 1 FROM event_type e WHERE e.metadata_key = m.key AND \(row.joined(separator: " AND ")))"
            )
        }
        for name in filter.parameters.keys.sorted() {
            clauses.append(
                "EXISTS (SELECT 1 FROM metadata_parameter p WHERE p.metadata_key = m.key AND p.name = ? AND p.value = ?)"
            )
            arguments += [name, filter.parameters[name]!]
        }
        return (clauses.joined(separator: " AND "), arguments)
    }

    /// JSON subject field name → column of `metadata`.
    static let subjectColumns: [String: String] = [
        "source": "source", "destination": "destination", "measurement-agent": "measurement_agent",
        "tool-name": "tool_name", "input-source": "input_source", "input-destination": "input_destination",
    ]
}
