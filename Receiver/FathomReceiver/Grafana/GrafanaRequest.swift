import FathomShared

/// A Grafana JSON data source request body, read once at the boundary into typed fields. Both
/// plugin families are accepted: simpod's (`payload`, `filters`) and SimpleJson's (`type`,
/// `adhocFilters`, `target` strings).
///
/// ```swift
/// let request = try GrafanaRequest(body: bytes, now: 1_746_079_000)
/// for target in request.targets { print(target.metric, target.payload.strings("host")) }
/// ```
struct GrafanaRequest: Sendable {
    /// A target's (or a request's) free-form payload: strings, lists of strings, numbers.
    struct Payload: Sendable, Equatable {
        var values: [String: [String]] = [:]

        init(_ value: JSONValue?) {
            guard case .object(let members)? = value else { return }
            for (key, v) in members {
                switch v {
                case .string(let s): values[key] = s.isEmpty ? [] : [s]
                case .array(let items): values[key] = items.compactMap { $0.scalarText }
                default: if let s = v.scalarText { values[key] = [s] }
                }
            }
        }

        func strings(_ key: String) -> [String] { values[key] ?? [] }
        func string(_ key: String) -> String? { values[key]?.first }
    }

    struct Target: Sendable {
        var metric: String
        var refID: String?
        var payload: Payload
        var hidden: Bool
    }

    struct Filter: Sendable, Equatable {
        var key: String
        var op: String
        var value: String
    }

    var targets: [Target] = []
    /// Unix seconds, `to` excluded; the last 6 hours when the request has no range.
    var from: Int64
    var to: Int64
    var intervalMs: Int64?
    var maxDataPoints: Int?
    var filters: [Filter] = []
    /// `/search`'s `target`, `/metric-payload-options`' `metric` and `name`, `/tag-values`' `key`.
    var text: [String: String] = [:]
    var payload: Payload
    var raw: JSONValue

    init(body: [UInt8], now: Int64) throws(GrafanaError) {
        let json: JSONValue
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            json = .object([:])
        } else {
            do { json = try JSONText.parse(body) } catch { throw .badRequest("request body is not JSON: \(error)") }
        }
        guard case .object(let members) = json else { throw .badRequest("request body must be a JSON object") }
        raw = json
        payload = Payload(members["payload"])
        to = now
        from = now - 6 * 3600
        if case .object(let range)? = members["range"] {
            guard let f = range["from"].flatMap(Self.instant), let t = range["to"].flatMap(Self.instant) else {
                throw .badRequest("range.from and range.to must be RFC 3339 times or Unix milliseconds")
            }
            guard f < t else { throw .badRequest("range.from must be before range.to") }
            (from, to) = (f, t)
        }
        intervalMs = members["intervalMs"]?.integerValue
        if let m = members["maxDataPoints"]?.integerValue {
            guard m > 0 else { throw .badRequest("maxDataPoints must be positive") }
            maxDataPoints = Int(min(m, 100_000))
        }
        for key in ["filters", "adhocFilters"] {
            guard case .array(let items)? = members[key] else { continue }
            for item in items {
                guard let k = item["key"]?.scalarText, let v = item["value"]?.scalarText else { continue }
                filters.append(Filter(key: k, op: item["operator"]?.scalarText ?? "=", value: v))
            }
        }
        for key in ["target", "metric", "name", "key"] {
            if let v = members[key]?.scalarText { text[key] = v }
        }
        if case .array(let items)? = members["targets"] {
            for item in items {
                guard case .object(let t) = item else { throw .badRequest("each target must be an object") }
                // An editor row with no metric chosen yet: nothing to draw, not an error.
                guard let metric = t["target"]?.scalarText, !metric.isEmpty else { continue }
                let hidden: Bool
                if case .bool(let h)? = t["hide"] { hidden = h } else { hidden = false }
                targets.append(
                    Target(
                        metric: metric, refID: t["refId"]?.scalarText, payload: Payload(t["payload"]), hidden: hidden))
            }
        }
        guard targets.count <= 100 else { throw .badRequest("at most 100 targets per query") }
    }

    /// RFC 3339 text (Grafana's `range`), or Unix milliseconds.
    static func instant(_ value: JSONValue) -> Int64? {
        if case .string(let s) = value, let t = SonarTimestamp.parse(s[...]) { return t.epochSeconds }
        return value.integerValue.map { $0 / 1000 }
    }

    /// The value of an `=` filter on `key`, if any.
    func filterValues(_ key: String) -> [String] {
        filters.filter { $0.key == key && $0.op == "=" }.map(\.value)
    }

    func excluded(_ key: String) -> Set<String> {
        Set(filters.filter { $0.key == key && $0.op == "!=" }.map(\.value))
    }
}

extension JSONValue {
    /// A string, or a number or bool as text; nil for null, arrays and objects.
    var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .integer(let v): return String(v)
        case .number(let v): return String(v)
        case .bool(let b): return String(b)
        default: return nil
        }
    }
}
