import FathomShared

/// Reads a metadata POST body into ``ArchiveMetadataInput``, checking in esmond's order with its
/// messages (`ArchiveSerializer.to_internal_value`), and refusing with 400 what esmond let reach
/// the database and answered with an HTML 500 (missing or non-IP addresses, null parameters).
///
/// ```swift
/// let input = try ArchiveMetadataRequest.parse(json)
/// ```
enum ArchiveMetadataRequest {
    static let maxFieldLength = 128
    static let requiredAddresses: [ArchiveSubjectType: [String]] = [
        .pointToPoint: ["source", "destination", "measurement-agent"],
        .networkElement: ["source", "measurement-agent"],
    ]

    static func parse(_ body: JSONValue) throws(ArchiveHTTPError) -> ArchiveMetadataInput {
        guard case .object(let fields) = body else { throw .badRequest("JSON parse error - expected an object") }
        guard let subjectValue = fields["subject-type"] else {
            throw .badRequest("Missing subject-type field in request")
        }
        guard let eventTypesValue = fields["event-types"] else {
            throw .badRequest("Missing event-types field in request")
        }
        guard case .string(let subjectName) = subjectValue, let subjectType = ArchiveSubjectType(rawValue: subjectName)
        else { throw .badRequest("Invalid subject type \(subjectValue.pythonString)") }
        if fields["metadata-key"] != nil { throw .badRequest("metadata-key is not allowed to be specified") }
        let eventTypes = try parseEventTypes(eventTypesValue)

        var subject: [String: String] = [:]
        var parameters: [String: String] = [:]
        let subjectFields = Set(ArchiveSubjectType.pointToPoint.subjectFields)
        for (name, value) in fields where name != "subject-type" && name != "event-types" {
            if subjectFields.contains(name) {
                guard subjectType.subjectFields.contains(name) else {
                    throw .badRequest("Field \(name) is not allowed for subject type \(subjectType.rawValue)")
                }
                guard case .string(let text) = value else { throw .badRequest("Field \(name) must be a string") }
                guard text.count <= maxFieldLength else {
                    throw .badRequest("Field \(name) is longer than \(maxFieldLength) characters")
                }
                subject[name] = text
            } else {
                if value == .null { throw .badRequest("Parameter \(name) must not be null") }
                parameters[name] = value.pythonString
            }
        }
        for name in requiredAddresses[subjectType]! {
            guard let text = subject[name] else { throw .badRequest("Missing \(name) field in request") }
            guard let canonical = IPAddressText.canonical(text) else {
                throw .badRequest("Field \(name) must be an IP address, got \(text)")
            }
            subject[name] = canonical
        }
        return ArchiveMetadataInput(
            subjectType: subjectType, subject: subject, parameters: parameters, eventTypes: eventTypes)
    }

    static func parseEventTypes(_ value: JSONValue) throws(ArchiveHTTPError) -> [ArchiveEventTypeEntry] {
        if value == .null { return [] }
        guard case .array(let items) = value else { throw .badRequest("event_types must be a list") }
        var entries: [ArchiveEventTypeEntry] = []
        for item in items {
            guard let nameValue = item["event-type"] else { throw .badRequest("No event-type defined") }
            guard case .string(let name) = nameValue, let kind = ArchiveEventTypes.kind(of: name) else {
                throw .badRequest("Invalid event-type \(nameValue.pythonString)")
            }
            var summaries: [ArchiveSummary] = []
            if case .array(let list)? = item["summaries"] {
                for summary in list {
                    guard let typeValue = summary["summary-type"] else {
                        throw .badRequest("Summary must contain summary-type")
                    }
                    guard case .string(let typeName) = typeValue, let type = ArchiveSummaryType(rawValue: typeName)
                    else {
                        throw .badRequest("Invalid summary type '\(typeValue.pythonString)'")
                    }
                    if type == .base { continue }
                    guard kind.allowedSummaries.contains(type) else {
                        throw .badRequest("Summary type \(typeName) not allowed for event-type \(name)")
                    }
                    guard let windowValue = summary["summary-window"] else {
                        throw .badRequest("Summary must contain summary-window")
                    }
                    guard let window = windowValue.exactInteger, window >= 0 else {
                        throw .badRequest("Summary window must be an integer")
                    }
                    summaries.append(ArchiveSummary(type, window))
                }
            }
            entries.append(ArchiveEventTypeEntry(eventType: name, summaries: Array(Set(summaries)).sorted()))
        }
        return entries
    }
}

extension JSONValue {
    /// Python `int()` of a JSON value without accepting booleans; numeric strings must be whole.
    var exactInteger: Int64? {
        if case .bool = self { return nil }
        return integerValue
    }
}
