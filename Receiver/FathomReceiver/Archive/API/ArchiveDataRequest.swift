import FathomShared

/// Reads data writes: a single point (`POST …/<key>/<et>/base`, `{"ts","val"}`) and a bulk body
/// (`PUT …/<key>/`, `{"data":[{"ts","val":[{"event-type","val"}]}]}`), with esmond's messages.
///
/// The whole bulk body is validated before anything is stored, so a 400 stores nothing (esmond
/// kept the items before the bad one, and answered an unknown event type with an HTML 500).
enum ArchiveDataRequest {
    /// Far enough ahead for any real measurement, small enough that bins never overflow.
    static let maxTimestamp: Int64 = 1 << 40

    /// esmond's checks before parsing: content type, then a non-empty body, then JSON.
    static func body(contentType: String?, bytes: [UInt8]) throws(ArchiveHTTPError) -> JSONValue {
        guard let contentType, contentType.lowercased().hasPrefix("application/json") else {
            throw .badRequest("Must post content-type: application/json header and json-formatted payload.")
        }
        guard !bytes.isEmpty else { throw .badRequest("No data payload POSTed.") }
        do {
            return try JSONText.parse(bytes)
        } catch {
            let given = String(decoding: bytes.prefix(200), as: UTF8.self)
            throw .badRequest("POST data payload could not be decoded to a JSON object - given: \(given)")
        }
    }

    static func point(_ body: JSONValue, eventType: String) throws(ArchiveHTTPError) -> ArchiveNewPoint {
        guard case .object = body, let tsValue = body["ts"] else {
            throw .badRequest("Required field ts not provided in request")
        }
        let ts = try timestamp(tsValue)
        guard let val = body["val"] else { throw .badRequest("Required field val not provided in request") }
        return try validated(eventType: eventType, ts: ts, val)
    }

    static func bulk(_ body: JSONValue) throws(ArchiveHTTPError) -> [ArchiveNewPoint] {
        guard let data = body["data"] else { throw .badRequest("Request must contain 'data' element") }
        guard case .array(let items) = data else { throw .badRequest("The 'data' element must be an array") }
        var points: [ArchiveNewPoint] = []
        for (i, item) in items.enumerated() {
            let position = i + 1
            guard let tsValue = item["ts"] else {
                throw .badRequest("Missing ts field in provided data list at position \(position)")
            }
            guard let vals = item["val"] else {
                throw .badRequest("Missing val field in provided data list at position \(position)")
            }
            guard case .array(let entries) = vals else {
                throw .badRequest("'val' field must be an array at position \(position)")
            }
            let ts = try timestamp(tsValue)
            for (j, entry) in entries.enumerated() {
                guard case .string(let eventType)? = entry["event-type"] else {
                    throw .badRequest("Missing event-type field at data item \(position) in value \(j + 1) ")
                }
                guard let val = entry["val"] else {
                    throw .badRequest("Missing val field at data item \(position) in value \(j + 1) ")
                }
                points.append(try validated(eventType: eventType, ts: ts, val))
            }
        }
        return points
    }

    /// `int(ts)` as esmond takes it, also accepting floats and numeric strings (truncated); no
    /// negative or absurd times, which esmond would have stored.
    static func timestamp(_ value: JSONValue) throws(ArchiveHTTPError) -> Int64 {
        let ts: Int64?
        if case .bool = value {
            ts = nil
        } else if let whole = value.integerValue {
            ts = whole
        } else if let real = value.doubleValue, real.isFinite, abs(real) < 1e15 {
            ts = Int64(real)
        } else {
            ts = nil
        }
        guard let ts, ts >= 0, ts <= maxTimestamp else { throw .badRequest("Time must be a unix timestamp") }
        return ts
    }

    static func validated(eventType: String, ts: Int64, _ val: JSONValue) throws(ArchiveHTTPError) -> ArchiveNewPoint {
        guard let kind = ArchiveEventTypes.kind(of: eventType) else {
            throw .badRequest("Invalid event type \(eventType)")
        }
        do {
            let value = try ArchiveValueValidator.normalise(val, kind: kind, eventType: eventType)
            return ArchiveNewPoint(ts: ts, eventType: eventType, value: value)
        } catch {
            throw .badRequest(error.message)
        }
    }
}
