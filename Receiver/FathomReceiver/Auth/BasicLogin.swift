import FathomShared
import HTTPTypes
import Hummingbird
import NIOCore

/// The one way a route other than ingest checks `Authorization: Basic`: through the authenticator's
/// throttle and bcrypt pool (never bcrypt on the caller's thread), answered as ingest answers.
///
/// ```swift
/// switch await authenticator.basicLogin(request.headers[.authorization], address: context.remoteAddress?.ipAddress) {
/// case .success(let credential): …
/// case .failure(let refusal): return refusal.response
/// }
/// ```
public struct LoginRefusal: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var retryAfterSeconds: Int?

    /// A plain-text answer with `WWW-Authenticate` (401) or `Retry-After` (429, 503).
    public var response: Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"fathom\"" }
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

extension UploadAuthenticator {
    public func basicLogin(_ header: String?, address: String?) async -> Result<Credential, LoginRefusal> {
        guard let header, let (user, password) = BasicAuthorization.parse(header) else {
            return .failure(LoginRefusal(status: .unauthorized, message: "Unauthorized"))
        }
        switch await authenticate(user: user, password: password, address: address) {
        case .accepted(let credential):
            return .success(credential)
        case .rejected:
            return .failure(LoginRefusal(status: .unauthorized, message: "Unauthorized"))
        case .throttled(let seconds):
            return .failure(
                LoginRefusal(
                    status: .tooManyRequests, message: "Too many failed logins; retry later",
                    retryAfterSeconds: seconds))
        case .busy(let seconds):
            return .failure(
                LoginRefusal(
                    status: .serviceUnavailable, message: "Busy verifying passwords; retry later",
                    retryAfterSeconds: seconds))
        }
    }
}
