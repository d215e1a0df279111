import FathomShared

/// Archive points as the psdata pipeline's `perfsonar.raw.<event-type>` messages (what
/// ps-collector published and sand-ci/ps-ingest's collectors read): one message per metadata and
/// event type, at most 200 points each, body
/// `{"meta": {source, destination, measurement_agent, input_source, input_destination,
/// tool_name, subject_type, org_metadata_key, event-type, summaries: 0, ts_start, ts_end},
/// "datapoints": {"<ts>": value}}`. Values go out as stored (a trace is its hop list with
/// `ttl`, `query`, `ip`, `rtt`, `as`), subject fields with underscores as ps-collector wrote them.
///
/// The id of a message is its first point's log sequence number with the metadata key and event
/// type: a batch sent again after a crash is cut the same way (it was planned before it was
/// sent), so a consumer sees a repeat only under an id it already has.
///
/// ```swift
/// let messages = PSDataMessage.messages(for: batch, forward: settings)
/// ```
public enum PSDataMessage {
    public static let maxPoints = 200

    public static func messages(for batch: ArchiveForwardBatch, forward: ForwardSettings) -> [AMQPMessage] {
        // Groups in order of their first point; points within a group in log order.
        var order: [String] = []
        var groups: [String: [ArchiveForwardBatch.Point]] = [:]
        for point in batch.points {
            let group = point.key + "\u{0}" + point.eventType
            if groups[group] == nil { order.append(group) }
            groups[group, default: []].append(point)
        }
        var messages: [AMQPMessage] = []
        for group in order {
            let points = groups[group]!
            for start in stride(from: 0, to: points.count, by: maxPoints) {
                let chunk = Array(points[start..<min(start + maxPoints, points.count)])
                messages.append(message(chunk, metadata: batch.metadata[chunk[0].key], forward: forward))
            }
        }
        return messages
    }

    static func message(
        _ chunk: [ArchiveForwardBatch.Point], metadata: ArchiveMetadata?, forward: ForwardSettings
    ) -> AMQPMessage {
        let first = chunk[0]
        var meta: [String: JSONValue] = [:]
        if let input = metadata?.input {
            for field in input.subjectType.subjectFields {
                meta[field.replacingDashes()] = .string(input.subject[field] ?? "")
            }
            meta["subject_type"] = .string(input.subjectType.rawValue)
        }
        meta["org_metadata_key"] = .string(first.key)
        meta["event-type"] = .string(first.eventType)
        meta["summaries"] = .integer(0)
        meta["ts_start"] = .integer(chunk.map(\.ts).min()!)
        meta["ts_end"] = .integer(chunk.map(\.ts).max()!)
        var datapoints: [String: JSONValue] = [:]
        for point in chunk { datapoints[String(point.ts)] = point.value }
        let body = JSONValue.object(["meta": .object(meta), "datapoints": .object(datapoints)])
        return AMQPMessage(
            routingKey: forward.archiveRoutingKey(eventType: first.eventType),
            id: "archive-\(first.seq)-\(first.key)-\(first.eventType)", body: JSONText.bytes(body))
    }
}
