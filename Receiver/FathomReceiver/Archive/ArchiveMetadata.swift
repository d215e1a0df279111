/// Point-to-point or network-element: which subject fields a metadata has.
public enum ArchiveSubjectType: String, Sendable, CaseIterable {
    case pointToPoint = "point-to-point"
    case networkElement = "network-element"

    /// Subject fields by their JSON names, as esmond's subject models hold them.
    public var subjectFields: [String] {
        switch self {
        case .pointToPoint:
            return ["source", "destination", "measurement-agent", "tool-name", "input-source", "input-destination"]
        case .networkElement:
            return ["source", "measurement-agent", "tool-name", "input-source"]
        }
    }
}

/// One (summary type, window) row that a metadata registered for an event type; base has window 0.
public struct ArchiveSummary: Sendable, Hashable, Comparable {
    public var type: ArchiveSummaryType
    public var window: Int64

    public init(_ type: ArchiveSummaryType, _ window: Int64) {
        self.type = type
        self.window = window
    }

    public static func < (a: Self, b: Self) -> Bool { (a.type, a.window) < (b.type, b.window) }
}

/// An event type of a metadata with its summaries (base not listed) and when data last arrived.
public struct ArchiveEventTypeEntry: Sendable, Equatable {
    public var eventType: String
    public var summaries: [ArchiveSummary]
    /// Unix seconds of the last write, `nil` until data arrives (esmond's `time-updated`).
    public var timeUpdated: Int64?

    public init(eventType: String, summaries: [ArchiveSummary], timeUpdated: Int64? = nil) {
        self.eventType = eventType
        self.summaries = summaries
        self.timeUpdated = timeUpdated
    }
}

/// What a client posts to create metadata: subject, free parameters (stored as Python `str()`),
/// event types with their summaries.
public struct ArchiveMetadataInput: Sendable, Equatable {
    public var subjectType: ArchiveSubjectType
    /// Subject fields by JSON name (`tool-name`); absent ones read back as `""`.
    public var subject: [String: String]
    public var parameters: [String: String]
    public var eventTypes: [ArchiveEventTypeEntry]

    public init(
        subjectType: ArchiveSubjectType, subject: [String: String], parameters: [String: String],
        eventTypes: [ArchiveEventTypeEntry]
    ) {
        self.subjectType = subjectType
        self.subject = subject
        self.parameters = parameters
        self.eventTypes = eventTypes
    }

    /// esmond's `calculate_checksum`: SHA-256 over lower-cased subject fields sorted by model field
    /// name, then free parameters sorted by key, then every event-type row (base included), sorted.
    /// Identical metadata (up to letter case) therefore maps to the same stored row.
    public var checksum: String {
        var text = "subject-type::" + subjectType.rawValue.lowercased()
        let modelFields = subjectType.subjectFields.map { ($0.replacingDashes(), $0) }.sorted { $0.0 < $1.0 }
        for (modelName, jsonName) in modelFields {
            text += "," + modelName + "::" + (subject[jsonName] ?? "").lowercased()
        }
        for key in parameters.keys.sorted() {
            text += "," + key + "::" + parameters[key]!.lowercased()
        }
        var rows: [String] = []
        for entry in eventTypes {
            rows.append("\(entry.eventType)::base::0")
            for summary in entry.summaries {
                rows.append("\(entry.eventType)::\(summary.type.rawValue)::\(summary.window)")
            }
        }
        for row in rows.sorted() { text += "," + row }
        return SHA256Digest.hex(Array(text.utf8))
    }
}

/// A stored metadata: its random 32-hex key and what was posted, with event types sorted by name.
public struct ArchiveMetadata: Sendable, Equatable {
    public var key: String
    public var input: ArchiveMetadataInput

    public init(key: String, input: ArchiveMetadataInput) {
        self.key = key
        self.input = input
    }
}

extension String {
    /// `tool-name` → `tool_name`, esmond's model field names.
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
