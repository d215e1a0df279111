import FathomShared

/// Turns the targets of one `/query` into Grafana time series and tables: index series for
/// hosts, clusters, jobs and users; the top-jobs table; archive series and trace path changes.
/// Every series is downsampled on the server to at most `maxDataPoints` points (buckets of
/// `max(intervalMs, span ÷ maxDataPoints)`, each the mean of its samples).
///
/// ```swift
/// let builder = GrafanaSeriesBuilder(index: index, archive: store, viewer: credential)
/// let frames = try await builder.answer(request)
/// ```
struct GrafanaSeriesBuilder: Sendable {
    let index: (any SampleSeriesIndex)?
    let archive: (any ArchiveStore)?
    let viewer: Credential
    /// Interface counters' rates for the `interface.*` metrics; nil answers them 503.
    var interfaces: (any InterfaceStore)? = nil
    static let maxHostsPerTarget = 1000
    static let maxTopJobs = 1000
    /// Points one target may return in all (hosts × points per host): bounds a response's memory.
    static let pointBudget = 1_000_000
    /// When a request names no `maxDataPoints` (SimpleJson always does).
    static let defaultMaxDataPoints = 10_000

    /// Bucket width for a range: no finer than `intervalMs`, and coarse enough that the range
    /// holds at most `maxDataPoints` buckets.
    static func bucketSeconds(from: Int64, to: Int64, intervalMs: Int64?, maxDataPoints: Int?) -> Int64 {
        var bucket = max(1, (intervalMs ?? 0) / 1000)
        if let m = maxDataPoints {
            let span = max(1, to - from)
            bucket = max(bucket, (span + Int64(m) - 1) / Int64(m))
        }
        return bucket
    }

    func answer(_ request: GrafanaRequest) async throws -> JSONValue {
        let bucket = Self.bucketSeconds(
            from: request.from, to: request.to, intervalMs: request.intervalMs,
            maxDataPoints: request.maxDataPoints ?? Self.defaultMaxDataPoints)
        var out: [JSONValue] = []
        for target in request.targets where !target.hidden {
            guard let metric = GrafanaMetric(target.metric) else {
                throw GrafanaError.badRequest("unknown metric: \(target.metric.prefix(80)) (POST /metrics lists them)")
            }
            out += try await frames(metric, target: target, request: request, bucket: bucket)
        }
        return .array(out)
    }

    func frames(_ metric: GrafanaMetric, target: GrafanaRequest.Target, request: GrafanaRequest, bucket: Int64)
        async throws -> [JSONValue]
    {
        var bucket = bucket
        switch metric {
        case .usage(let scope, let quantity):
            let index = try requireIndex()
            let cluster = try GrafanaScope.cluster(target.payload, request: request, viewer: viewer)
            var series: [(String, IndexSeriesQuery.Scope)] = []
            switch scope {
            case .host:
                var hosts = target.payload.strings("host").filter { $0 != "$__all" && $0 != "All" }
                let fromFilters = request.filterValues("host")
                if hosts.isEmpty && fromFilters.isEmpty {
                    hosts = try await index.hosts(cluster: cluster)
                } else if hosts.isEmpty {
                    hosts = fromFilters
                } else if !fromFilters.isEmpty {
                    hosts = hosts.filter(fromFilters.contains)
                }
                let excluded = request.excluded("host")
                hosts = hosts.filter { !excluded.contains($0) }
                guard hosts.count <= Self.maxHostsPerTarget else {
                    throw GrafanaError.badRequest(
                        "at most \(Self.maxHostsPerTarget) hosts per target; use cluster.\(quantity.rawValue)")
                }
                series = hosts.map { ("\(cluster)/\($0) \(quantity.rawValue)", .host(cluster: cluster, host: $0)) }
                let perHost = min(
                    request.maxDataPoints ?? Self.defaultMaxDataPoints, Self.pointBudget / max(1, hosts.count))
                bucket = max(
                    bucket,
                    Self.bucketSeconds(
                        from: request.from, to: request.to, intervalMs: request.intervalMs, maxDataPoints: perHost))
            case .cluster:
                series = [("\(cluster) total \(quantity.rawValue)", .cluster(cluster))]
            case .job:
                let job = try required(target, request, "job")
                series = [("\(cluster) job \(job) \(quantity.rawValue)", .job(cluster: cluster, job: job))]
            case .user:
                let user = try required(target, request, "user")
                series = [("\(cluster) user \(user) \(quantity.rawValue)", .user(cluster: cluster, user: user))]
            }
            var frames: [JSONValue] = []
            for (name, scope) in series {
                let points = try await index.series(
                    IndexSeriesQuery(
                        scope: scope, quantity: quantity, from: request.from, to: request.to, bucketSeconds: bucket))
                frames.append(Self.timeSeries(name, refID: target.refID, points.map { ($0.value, $0.time) }))
            }
            return frames
        case .topJobs:
            let index = try requireIndex()
            let cluster = try GrafanaScope.cluster(target.payload, request: request, viewer: viewer)
            let limit = Int(target.payload.string("limit") ?? "10") ?? 10
            guard limit > 0, limit <= Self.maxTopJobs else {
                throw GrafanaError.badRequest("limit must be 1…\(Self.maxTopJobs)")
            }
            let rows = try await index.topJobs(cluster: cluster, from: request.from, to: request.to, limit: limit)
            return [
                Self.table(
                    refID: target.refID,
                    columns: [
                        ("Job", "string"), ("User", "string"), ("Mean CPU %", "number"), ("Peak CPU %", "number"),
                        ("Peak RSS anon KiB", "number"), ("Mean GPU %", "number"), ("Minutes", "number"),
                    ],
                    rows: rows.map { r in
                        [
                            .string(r.job), .string(r.user), .number(r.meanCPUPercent), .number(r.peakCPUPercent),
                            .integer(r.peakRSSAnonKiB), .number(r.meanGPUPercent), .integer(r.minutes),
                        ]
                    })
            ]
        case .interface(let series):
            return try await interfaceFrames(series, target: target, request: request, bucket: bucket)
        case .archive(let series):
            let eventType = series.eventType ?? target.payload.string("event-type") ?? ""
            guard let kind = ArchiveEventTypes.kind(of: eventType), kind != .subinterval, kind != .json else {
                throw GrafanaError.badRequest(
                    "payload.event-type must be a numeric esmond event type, got '\(eventType)'")
            }
            return try await GrafanaArchiveSeries(store: try requireArchive())
                .series(eventType: eventType, payload: target.payload, request: request, bucket: bucket)
                .map { Self.timeSeries($0.name, refID: target.refID, $0.points) }
        case .traceChanges:
            let rows = try await GrafanaArchiveSeries(store: try requireArchive())
                .traceChanges(payload: target.payload, request: request)
            return [
                Self.table(
                    refID: target.refID,
                    columns: [
                        ("Time", "time"), ("Source", "string"), ("Destination", "string"), ("Path", "string"),
                        ("Hops changed", "number"),
                    ],
                    rows: rows.map {
                        [
                            .integer($0.time * 1000), .string($0.source), .string($0.destination),
                            .string($0.path), .integer(Int64($0.changedHops)),
                        ]
                    })
            ]
        }
    }

    private func required(_ target: GrafanaRequest.Target, _ request: GrafanaRequest, _ key: String) throws -> String {
        guard let value = target.payload.string(key) ?? request.filterValues(key).first, !value.isEmpty else {
            throw GrafanaError.badRequest("payload.\(key) is required for this metric")
        }
        return value
    }

    /// One series per interface of the host (those named in `interface`, else all) alive in the
    /// range: its rates averaged into the request's buckets, empty buckets left out.
    private func interfaceFrames(
        _ series: GrafanaMetric.InterfaceSeries, target: GrafanaRequest.Target, request: GrafanaRequest, bucket: Int64
    ) async throws -> [JSONValue] {
        guard let interfaces else { throw GrafanaError.unavailable("this receiver keeps no interface counters") }
        let cluster = try GrafanaScope.cluster(target.payload, request: request, viewer: viewer)
        let host = try required(target, request, "host")
        let wanted = Set(target.payload.strings("interface").filter { $0 != "$__all" && $0 != "All" })
        let rows = try await interfaces.lifeCycle(cluster: cluster, host: host).filter {
            (wanted.isEmpty || wanted.contains($0.name)) && $0.activeFrom <= request.to
                && ($0.activeUntil ?? Int64.max) >= request.from
        }
        guard rows.count <= Self.maxHostsPerTarget else {
            throw GrafanaError.badRequest("at most \(Self.maxHostsPerTarget) interfaces per target")
        }
        let bins = InterfaceRateBins(begin: request.from, end: request.to, agg: bucket)
        var frames: [JSONValue] = []
        for row in rows {
            let steps = try await interfaces.rates(interfaceID: row.id, from: request.from, to: request.to + 86400)
            let points = bins.points(steps, endpoint: series.endpoint).compactMap { point in
                point.val.map { ($0, point.ts) }
            }
            frames.append(
                Self.timeSeries("\(cluster)/\(host) \(row.name) \(series.rawValue)", refID: target.refID, points))
        }
        return frames
    }

    private func requireIndex() throws -> any SampleSeriesIndex {
        guard let index else { throw GrafanaError.unavailable("the sample index is turned off on this receiver") }
        return index
    }

    private func requireArchive() throws -> any ArchiveStore {
        guard let archive else { throw GrafanaError.unavailable("this receiver serves no measurement archive") }
        return archive
    }

    /// `{"target": name, "datapoints": [[value, unix_ms], …]}`: value first, as both plugins want.
    static func timeSeries(_ name: String, refID: String?, _ points: [(Double, Int64)]) -> JSONValue {
        var o: [String: JSONValue] = [
            "target": .string(name),
            "datapoints": .array(points.map { .array([.number($0.0), .integer($0.1 * 1000)]) }),
        ]
        if let refID { o["refId"] = .string(refID) }
        return .object(o)
    }

    /// `{"type": "table", "columns": […], "rows": […]}` (`rows`, never `values`).
    static func table(refID: String?, columns: [(String, String)], rows: [[JSONValue]]) -> JSONValue {
        var o: [String: JSONValue] = [
            "type": .string("table"),
            "columns": .array(columns.map { .object(["text": .string($0.0), "type": .string($0.1)]) }),
            "rows": .array(rows.map { .array($0) }),
        ]
        if let refID { o["refId"] = .string(refID) }
        return .object(o)
    }
}
