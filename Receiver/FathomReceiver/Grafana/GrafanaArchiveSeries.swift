import FathomShared

/// Reads the measurement archive for Grafana: numeric series per (source, destination) with
/// histograms reduced to their mean and percentages to their ratio, and the times a trace's
/// path (its hop addresses) changed.
///
/// ```swift
/// let series = try await GrafanaArchiveSeries(store: store)
///     .series(eventType: "throughput", payload: payload, request: request, bucket: 300)
/// ```
struct GrafanaArchiveSeries: Sendable {
    let store: any ArchiveStore
    static let maxMetadata = 100
    static let maxPointsRead = 20_000

    struct Series {
        var name: String
        var points: [(Double, Int64)]
    }

    struct PathChange: Equatable {
        var time: Int64
        var source: String
        var destination: String
        var path: String
        var changedHops: Int
    }

    func metadata(eventType: String, payload: GrafanaRequest.Payload) async throws -> [ArchiveMetadata] {
        var filter = ArchiveMetadataFilter()
        filter.eventType = eventType
        for field in ["source", "destination"] {
            let values = payload.strings(field)
            if !values.isEmpty { filter.subject[field] = Set(values) }
        }
        filter.limit = Self.maxMetadata
        return try await store.listMetadata(filter).page
    }

    func series(eventType: String, payload: GrafanaRequest.Payload, request: GrafanaRequest, bucket: Int64)
        async throws -> [Series]
    {
        var out: [Series] = []
        for m in try await metadata(eventType: eventType, payload: payload) {
            let points = try await store.points(
                ArchiveSeriesQuery(
                    key: m.key, eventType: eventType, summary: ArchiveSummary(.base, 0),
                    time: ArchiveTimeRange(begin: request.from, end: request.to - 1), limit: Self.maxPointsRead))
            var buckets: [Int64: (sum: Double, count: Int)] = [:]
            for p in points {
                guard let v = Self.number(p.value) else { continue }
                let b = (p.ts - request.from) / bucket * bucket + request.from
                buckets[b, default: (0, 0)].sum += v
                buckets[b]!.count += 1
            }
            let name = "\(m.input.subject["source"] ?? "?") → \(m.input.subject["destination"] ?? "?") \(eventType)"
            out.append(
                Series(
                    name: name,
                    points: buckets.keys.sorted().map { (buckets[$0]!.sum / Double(buckets[$0]!.count), $0) }))
        }
        return out
    }

    /// A point's value as one number: integers and floats as they are, a percentage
    /// `{numerator, denominator}` as the ratio, a histogram `{value: count}` as its mean.
    static func number(_ value: JSONValue) -> Double? {
        if let v = value.doubleValue { return v }
        guard case .object(let members) = value else { return nil }
        if let n = members["numerator"]?.doubleValue, let d = members["denominator"]?.doubleValue {
            return d == 0 ? nil : n / d
        }
        var total = 0.0
        var weighted = 0.0
        for (bucket, count) in members {
            guard let b = Double(bucket), let c = count.doubleValue else { return nil }
            total += c
            weighted += b * c
        }
        return total == 0 ? nil : weighted / total
    }

    /// Each packet-trace run whose hop addresses differ from the run before it (the first run of
    /// each pair of hosts counts as a change from nothing).
    func traceChanges(payload: GrafanaRequest.Payload, request: GrafanaRequest) async throws -> [PathChange] {
        var out: [PathChange] = []
        for m in try await metadata(eventType: "packet-trace", payload: payload) {
            let points = try await store.points(
                ArchiveSeriesQuery(
                    key: m.key, eventType: "packet-trace", summary: ArchiveSummary(.base, 0),
                    time: ArchiveTimeRange(begin: request.from, end: request.to - 1), limit: Self.maxPointsRead))
            var previous: [String]?
            for p in points {
                let hops = Self.hops(p.value)
                if hops != previous {
                    let changed =
                        previous.map { prev in
                            (0..<max(prev.count, hops.count)).filter { i in
                                (i < prev.count ? prev[i] : nil) != (i < hops.count ? hops[i] : nil)
                            }.count
                        } ?? hops.count
                    out.append(
                        PathChange(
                            time: p.ts, source: m.input.subject["source"] ?? "",
                            destination: m.input.subject["destination"] ?? "",
                            path: hops.joined(separator: " "), changedHops: changed))
                }
                previous = hops
            }
        }
        return out.sorted { ($0.time, $0.source, $0.destination) < ($1.time, $1.source, $1.destination) }
    }

    /// The address each TTL answered from (first query that did), `*` where none did.
    static func hops(_ value: JSONValue) -> [String] {
        guard case .array(let items) = value else { return [] }
        var byTTL: [Int64: String] = [:]
        for item in items {
            guard let ttl = item["ttl"]?.integerValue else { continue }
            if let ip = item["ip"]?.scalarText, byTTL[ttl] == nil || byTTL[ttl] == "*" {
                byTTL[ttl] = ip
            } else if byTTL[ttl] == nil {
                byTTL[ttl] = "*"
            }
        }
        return byTTL.keys.sorted().map { byTTL[$0]! }
    }
}
