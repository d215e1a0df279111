import FathomShared
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// The write side: metadata POST, single point POST, bulk PUT.
extension ArchiveRoutes {
    func createMetadata(_ request: Request, prefix: String) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        // DRF picks a parser by media type: anything but JSON is 415 on this endpoint.
        guard contentType.lowercased().hasPrefix("application/json") else {
            throw ArchiveHTTPError(.unsupportedMediaType, "Unsupported media type \"\(contentType)\" in request.")
        }
        let bytes = try await collectBody(request)
        let body: JSONValue
        do {
            body = try JSONText.parse(bytes)
        } catch {
            throw ArchiveHTTPError.badRequest("JSON parse error - \(error.description)")
        }
        let input = try ArchiveMetadataRequest.parse(body)
        let (metadata, _) = try await store.createOrGetMetadata(input)
        let renderer = ArchiveMetadataJSON(prefix: prefix, origin: origin(request))
        let object = renderer.object(metadata)
        var headers = HTTPFields()
        headers[.location] = origin(request) + renderer.uri(metadata.key)
        // 201 for a found metadata too: esmond-client requires exactly 201.
        return ArchiveResponse.json(.created, .object(object), headers: headers)
    }

    func pointWrite(_ request: Request, parameters: Parameters) async throws -> Response {
        let summaryName = parameters.get("summary") ?? ""
        let windowText = parameters.get("window")
        guard summaryName == "base", windowText == nil || windowText == "0" else {
            let json = ArchiveSummaryType(urlName: summaryName)?.rawValue ?? summaryName
            throw ArchiveHTTPError.badRequest("Only base summary-type allowed for writing. Cannot use \(json)")
        }
        let body = try ArchiveDataRequest.body(
            contentType: request.headers[.contentType], bytes: try await collectBody(request))
        let point = try ArchiveDataRequest.point(body, eventType: parameters.get("eventType") ?? "")
        do {
            _ = try await store.addPoint(
                key: parameters.get("key") ?? "", eventType: point.eventType, ts: point.ts, value: point.value)
        } catch let duplicate as ArchiveDuplicatePoint {
            throw ArchiveHTTPError(.conflict, duplicate.message)
        }
        return ArchiveResponse.createdEmpty
    }

    func bulkWrite(_ request: Request, key: String) async throws -> Response {
        let body = try ArchiveDataRequest.body(
            contentType: request.headers[.contentType], bytes: try await collectBody(request))
        let points = try ArchiveDataRequest.bulk(body)
        if let duplicate = try await store.addPoints(key: key, points: points) {
            throw ArchiveHTTPError(.conflict, duplicate.message)
        }
        return ArchiveResponse.createdEmpty
    }
}
