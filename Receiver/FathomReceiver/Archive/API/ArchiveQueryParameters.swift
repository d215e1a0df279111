import Hummingbird
import HummingbirdCore

/// A request's query parameters with esmond's reading rules: a repeated parameter counts by its
/// last value (`query_params.get`); time and paging parameters parsed as §3.4 of the spec says.
///
/// ```swift
/// let query = ArchiveQueryParameters(request.uri)
/// let filter = try await query.metadataFilter(resolver: .shared)
/// ```
struct ArchiveQueryParameters {
    var values: [String: String] = [:]
    /// Parameters in request order, for rebuilding page links.
    var ordered: [(String, String)] = []

    init(_ uri: URI) {
        for (name, value) in uri.queryParameters {
            let key = String(name)
            if values[key] == nil { ordered.append((key, String(value))) }
            values[key] = String(value)
        }
        ordered = ordered.map { ($0.0, values[$0.0]!) }
    }

    init(_ pairs: [String: String]) {
        values = pairs
        ordered = pairs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static let reserved: Set<String> = [
        "source", "destination", "measurement-agent", "tool-name", "input-source", "input-destination",
        "event-type", "summary-type", "summary-window", "subject-type", "metadata-key", "time", "time-start",
        "time-end", "time-range", "dns-match-rule", "limit", "offset", "format",
    ]

    func metadataFilter(resolver: ArchiveHostResolver) async throws(ArchiveHTTPError) -> ArchiveMetadataFilter {
        var filter = ArchiveMetadataFilter()
        let rule = values["dns-match-rule"] ?? "v4v6"
        guard IPAddressText.dnsMatchRules.contains(rule) else {
            throw .badRequest("Invalid dns-match-rule parameter \(rule)")
        }
        for field in ["source", "destination", "measurement-agent"] {
            guard let host = values[field] else { continue }
            filter.subject[field] = try await resolver.addresses(of: host, rule: rule)
        }
        for field in ["tool-name", "input-source", "input-destination"] {
            if let value = values[field] { filter.subject[field] = [value] }
        }
        filter.eventType = values["event-type"]
        filter.summaryType = values["summary-type"]
        if let window = values["summary-window"] {
            guard let w = Int64(window) else { throw .badRequest("Summary window parameter must be an integer") }
            filter.summaryWindow = w
        }
        filter.subjectType = values["subject-type"]
        filter.metadataKey = values["metadata-key"]
        filter.timeUpdated = try timeRange(now: nil)
        for (name, value) in values where !Self.reserved.contains(name) { filter.parameters[name] = value }
        (filter.limit, filter.offset) = paging()
        return filter
    }

    /// esmond's default page (`PSPaginator.default_limit`), for the list and the series.
    static let defaultLimit = 1_500
    /// esmond has no maximum; elmond, its read-only successor, caps series at 10,000 points. The
    /// series is streamed in pages (``ArchiveSeriesBody``), so memory does not grow with it.
    static let maxSeriesLimit = 10_000
    /// The metadata list is built whole; clients page it by `offset` and `metadata-count-total`
    /// (esmond-client keeps asking until it has the total), so a larger `limit` only costs memory.
    static let maxMetadataLimit = 1_500

    /// `limit`/`offset`: a missing, zero or non-integer limit falls back to 1500 as in esmond; the
    /// limit is capped so one request cannot ask for the whole archive.
    func paging(defaultLimit: Int = defaultLimit, maxLimit: Int = maxMetadataLimit) -> (limit: Int, offset: Int) {
        var limit = values["limit"].flatMap { Int($0) } ?? defaultLimit
        if limit <= 0 { limit = defaultLimit }
        let offset = max(0, values["offset"].flatMap { Int($0) } ?? 0)
        return (min(limit, maxLimit), offset)
    }

    /// The time window of §3.4. `now` nil is the metadata list (no parameters, no filter; open
    /// ends stay open); with `now` it is a data query (end defaults to now, or now+3600 when some
    /// time parameter was given and left the end open).
    func timeRange(now: Int64?) throws(ArchiveHTTPError) -> ArchiveTimeRange? {
        func int(_ name: String) throws(ArchiveHTTPError) -> Int64? {
            guard let text = values[name] else { return nil }
            guard let v = Int64(text), v > -(1 << 50), v < (1 << 50) else {  // abs(Int64.min) traps
                throw .badRequest("Time parameter must be an integer")
            }
            return v
        }
        let time = try int("time")
        let start = try int("time-start")
        let end = try int("time-end")
        let range = try int("time-range")
        var result: ArchiveTimeRange
        if let time {
            result = ArchiveTimeRange(begin: time, end: time)
        } else if let start, let end {
            result = ArchiveTimeRange(begin: start, end: end)
        } else if let start, let range {
            result = ArchiveTimeRange(begin: start, end: start + range)
        } else if let end, let range {
            result = ArchiveTimeRange(begin: end - range, end: end)
        } else if let start {
            result = ArchiveTimeRange(begin: start, end: nil)
        } else if let end {
            result = ArchiveTimeRange(begin: 0, end: end)
        } else if let range {
            result = ArchiveTimeRange(begin: (now ?? SQLiteArchiveStore.systemNow()) - range, end: nil)
        } else {
            guard let now else { return nil }
            return ArchiveTimeRange(begin: 0, end: now)
        }
        if let begin = result.begin, let end = result.end, end < begin {
            throw .badRequest("Requested start time must be less than end time")
        }
        if let now, result.end == nil { result.end = now + 3600 }
        return result
    }
}
