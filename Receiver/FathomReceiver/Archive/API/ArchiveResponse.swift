import FathomShared
import HTTPTypes
import Hummingbird
import NIOCore

/// A refusal with esmond's JSON body `{"detail": …}`.
public struct ArchiveHTTPError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var extraHeaders: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    static func badRequest(_ detail: String) -> Self { Self(.badRequest, detail) }
    static let notFound = Self(.notFound, "Not found.")
}

/// Builds the archive's responses: `Content-Type: application/json` exactly (esmond-client
/// compares the whole header) and `Access-Control-Allow-Origin: *` (browser graph UIs need it).
///
/// ```swift
/// ArchiveResponse.json(.created, .string(""))  // body `""`
/// ```
public enum ArchiveResponse {
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        let fields = jsonHeaders(headers)
        let body = JSONText.bytes(value)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `headers` with the content type and CORS header every archive answer carries.
    public static func jsonHeaders(_ headers: HTTPFields = [:]) -> HTTPFields {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.accessControlAllowOrigin] = "*"
        return fields
    }

    public static func error(_ error: ArchiveHTTPError) -> Response {
        json(error.status, .object(["detail": .string(error.detail)]), headers: error.extraHeaders)
    }

    /// 201 with the JSON body `""`: what esmond answers for stored (or silently dropped) data.
    public static var createdEmpty: Response { json(.created, .string("")) }

    static func methodNotAllowed(_ method: HTTPRequest.Method) -> Response {
        error(ArchiveHTTPError(.methodNotAllowed, "Method \"\(method.rawValue)\" not allowed."))
    }
}
