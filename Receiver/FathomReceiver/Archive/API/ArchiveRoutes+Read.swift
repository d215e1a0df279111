import FathomShared
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// The read side: metadata list and detail, event-type objects, time series.
extension ArchiveRoutes {
    func listMetadata(_ request: Request, prefix: String) async throws -> Response {
        let query = ArchiveQueryParameters(request.uri)
        let filter = try await query.metadataFilter(resolver: resolver)
        let (page, total) = try await store.listMetadata(filter)
        let renderer = ArchiveMetadataJSON(prefix: prefix, origin: origin(request))
        var objects = page.map { renderer.object($0) }
        // esmond-client reads the total from element 0 (and crashes on Python 3 without it).
        if !objects.isEmpty {
            let base = origin(request) + prefix + "/"
            objects[0]["metadata-count-total"] = .integer(Int64(total))
            objects[0]["metadata-next-page"] =
                filter.offset + filter.limit < total
                ? .string(pageLink(base, query, limit: filter.limit, offset: filter.offset + filter.limit)) : .null
            objects[0]["metadata-previous-page"] =
                filter.offset > 0
                ? .string(pageLink(base, query, limit: filter.limit, offset: max(0, filter.offset - filter.limit)))
                : .null
        }
        return .json(.ok, .array(objects.map { .object($0) }))
    }

    func pageLink(_ base: String, _ query: ArchiveQueryParameters, limit: Int, offset: Int) -> String {
        var pairs = query.ordered.filter { $0.0 != "limit" && $0.0 != "offset" }
        pairs.append(("limit", String(limit)))
        if offset > 0 { pairs.append(("offset", String(offset))) }
        let encoded = pairs.map { "\(Self.queryEscaped($0.0))=\(Self.queryEscaped($0.1))" }
        return base + "?" + encoded.joined(separator: "&")
    }

    /// Percent-encodes all but RFC 3986 unreserved characters, so `&`, `=` and `+` survive.
    static func queryEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    func metadataDetail(_ request: Request, prefix: String, key: String) async throws -> Response {
        guard let metadata = try await store.metadata(key: key) else { throw ArchiveHTTPError.notFound }
        return .json(.ok, .object(ArchiveMetadataJSON(prefix: prefix, origin: origin(request)).object(metadata)))
    }

    func eventTypeDetail(_ request: Request, prefix: String, parameters: Parameters) async throws -> Response {
        let key = parameters.get("key") ?? ""
        let eventType = parameters.get("eventType") ?? ""
        let renderer = ArchiveMetadataJSON(prefix: prefix, origin: origin(request))
        guard let metadata = try await store.metadata(key: key),
            let entry = metadata.input.eventTypes.first(where: { $0.eventType == eventType })
        else { return .json(.ok, .array([])) }
        return .json(.ok, .array([.object(renderer.eventType(entry, uri: renderer.uri(key)))]))
    }

    /// `…/<et>/base[/0]`, `…/<et>/<summaries>/<window>`, and `…/<et>/<summaries>` (the summary list).
    func series(_ request: Request, prefix: String, parameters: Parameters) async throws -> Response {
        let key = parameters.get("key") ?? ""
        let eventType = parameters.get("eventType") ?? ""
        let summaryName = parameters.get("summary") ?? ""
        guard let type = ArchiveSummaryType(urlName: summaryName) else {
            throw ArchiveHTTPError.badRequest("Invalid summary type '\(summaryName)'")
        }
        guard let kind = ArchiveEventTypes.kind(of: eventType) else {
            throw ArchiveHTTPError.badRequest("Unsupported event type '\(eventType)' provided")
        }
        let windowText = parameters.get("window")
        if windowText == nil && type != .base {
            return try await summaryList(request, prefix: prefix, key: key, eventType: eventType, type: type)
        }
        guard let window = windowText.map({ Int64($0) }) ?? 0 else {
            throw ArchiveHTTPError.badRequest("Summary window parameter must be an integer")
        }
        let query = ArchiveQueryParameters(request.uri)
        let time = try query.timeRange(now: SQLiteArchiveStore.systemNow()) ?? .unbounded
        let (limit, offset) = query.paging(maxLimit: ArchiveQueryParameters.maxSeriesLimit)
        let seriesQuery = ArchiveSeriesQuery(
            key: key, eventType: eventType, summary: ArchiveSummary(type, type == .base ? 0 : window),
            time: time, limit: limit, offset: offset)
        let body = try await ArchiveSeriesBody.make(store: store, query: seriesQuery, kind: kind, type: type)
        return Response(status: .ok, headers: ArchiveResponse.jsonHeaders(), body: body)
    }

    func summaryList(
        _ request: Request, prefix: String, key: String, eventType: String, type: ArchiveSummaryType
    ) async throws -> Response {
        let renderer = ArchiveMetadataJSON(prefix: prefix, origin: origin(request))
        guard let metadata = try await store.metadata(key: key),
            let entry = metadata.input.eventTypes.first(where: { $0.eventType == eventType })
        else { throw ArchiveHTTPError.notFound }
        let summaries = entry.summaries.filter { $0.type == type }
        if summaries.isEmpty { throw ArchiveHTTPError.notFound }
        let uri = renderer.uri(key)
        return .json(.ok, .array(summaries.map { .object(renderer.summary($0, entry: entry, uri: uri)) }))
    }
}

extension Response {
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        ArchiveResponse.json(status, value)
    }
}
