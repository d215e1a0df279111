import FathomShared
import HTTPTypes
import Hummingbird
import NIOCore

/// A refusal of a Grafana request, answered as JSON `{"error": reason}` so the panel shows why.
///
/// ```swift
/// throw GrafanaError.badRequest("unknown metric: host.nope")
/// ```
enum GrafanaError: Error, Sendable, Equatable {
    case badRequest(String)
    case unauthorized
    case forbidden(String)
    case tooLarge(Int)
    case unavailable(String)

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .tooLarge: return .contentTooLarge
        case .unavailable: return .serviceUnavailable
        }
    }

    var reason: String {
        switch self {
        case .badRequest(let r), .forbidden(let r), .unavailable(let r): return r
        case .unauthorized: return "credentials required (Basic auth with the receiver's credentials)"
        case .tooLarge(let limit): return "request body over \(limit) bytes"
        }
    }

    var response: Response {
        var response = GrafanaResponse.json(status, .object(["error": .string(reason)]))
        if self == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"fathom\"" }
        return response
    }
}

/// JSON responses of the Grafana routes (with the CORS header browser "direct" access needs).
enum GrafanaResponse {
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.accessControlAllowOrigin] = "*"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONText.bytes(value))))
    }
}
