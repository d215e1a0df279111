import FathomShared

/// How both archive stores keep a metadata's text: its key, the subject and parameter sets as
/// JSON objects of strings, and its event-type rows put back together in the order a client reads.
///
/// ```swift
/// let key = ArchiveStoredMetadata.randomKey()
/// let metadata = ArchiveStoredMetadata.assemble(key: key, subjectType: "point-to-point", subject: s, parameters: p, rows: rows)
/// ```
enum ArchiveStoredMetadata {
    /// One `event_type` row of a metadata (base rows included).
    struct EventTypeRow: Sendable {
        var eventType: String
        var summaryType: String
        var summaryWindow: Int64
        var timeUpdated: Int64?
    }

    /// esmond's `uuid4().hex`: 32 random lower-case hex digits, unrelated to the content.
    static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let s = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    /// A string map as stored (a JSON object of strings).
    static func json(_ map: [String: String]) -> String { JSONText.string(.object(map.mapValues { .string($0) })) }

    static func stringMap(_ text: String) -> [String: String] {
        guard case .object(let members) = try? JSONText.parse(Array(text.utf8)) else { return [:] }
        return members.mapValues { $0.pythonString }
    }

    /// The metadata from its stored columns, with `rows` sorted by event type, summary type and
    /// window (byte order); nil for an unknown subject type.
    static func assemble(
        key: String, subjectType: String, subject: String, parameters: String, rows: [EventTypeRow]
    ) -> ArchiveMetadata? {
        guard let subjectType = ArchiveSubjectType(rawValue: subjectType) else { return nil }
        var entries: [ArchiveEventTypeEntry] = []
        for row in rows {
            if entries.last?.eventType != row.eventType {
                entries.append(
                    ArchiveEventTypeEntry(eventType: row.eventType, summaries: [], timeUpdated: row.timeUpdated))
            }
            if let type = ArchiveSummaryType(rawValue: row.summaryType), type != .base {
                entries[entries.count - 1].summaries.append(ArchiveSummary(type, row.summaryWindow))
            }
        }
        let input = ArchiveMetadataInput(
            subjectType: subjectType, subject: stringMap(subject), parameters: stringMap(parameters),
            eventTypes: entries)
        return ArchiveMetadata(key: key, input: input)
    }
}
