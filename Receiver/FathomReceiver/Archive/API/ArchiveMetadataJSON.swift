import FathomShared

/// Renders stored metadata as esmond's metadata object (§3.1 of the spec): every value a string
/// except `event-types`, `time-updated` and counts; `uri` and `base-uri` host-absolute paths
/// under the prefix the request came in on, `summary-window` a string.
///
/// ```swift
/// ArchiveMetadataJSON(prefix: "/esmond/perfsonar/archive", origin: "http://ma").object(metadata)
/// ```
struct ArchiveMetadataJSON {
    /// `/esmond/perfsonar/archive` or `/perfsonar/archive`, no trailing slash.
    var prefix: String
    /// `scheme://host[:port]` for the absolute `url`.
    var origin: String

    func uri(_ key: String) -> String { "\(prefix)/\(key)/" }

    func object(_ metadata: ArchiveMetadata) -> [String: JSONValue] {
        let uri = uri(metadata.key)
        var object: [String: JSONValue] = [:]
        for (name, value) in metadata.input.parameters { object[name] = .string(value) }
        for field in metadata.input.subjectType.subjectFields {
            object[field] = .string(metadata.input.subject[field] ?? "")
        }
        object["subject-type"] = .string(metadata.input.subjectType.rawValue)
        object["metadata-key"] = .string(metadata.key)
        object["uri"] = .string(uri)
        object["url"] = .string(origin + uri)
        object["event-types"] = .array(metadata.input.eventTypes.map { .object(eventType($0, uri: uri)) })
        return object
    }

    func eventType(_ entry: ArchiveEventTypeEntry, uri: String) -> [String: JSONValue] {
        [
            "base-uri": .string("\(uri)\(entry.eventType)/base"),
            "event-type": .string(entry.eventType),
            "time-updated": timeUpdated(entry),
            "summaries": .array(entry.summaries.map { .object(summary($0, entry: entry, uri: uri)) }),
        ]
    }

    func summary(_ summary: ArchiveSummary, entry: ArchiveEventTypeEntry, uri: String) -> [String: JSONValue] {
        [
            "summary-type": .string(summary.type.rawValue),
            // esmond-client compares `summary-window == str(window)`: it must be a string.
            "summary-window": .string(String(summary.window)),
            "time-updated": timeUpdated(entry),
            "uri": .string("\(uri)\(entry.eventType)/\(summary.type.urlName)/\(summary.window)"),
        ]
    }

    func timeUpdated(_ entry: ArchiveEventTypeEntry) -> JSONValue { entry.timeUpdated.map { .integer($0) } ?? .null }
}
