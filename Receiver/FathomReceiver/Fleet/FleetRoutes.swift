import FathomShared
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET /fleet` (HTML) and `GET /fleet.json`: every host that has uploaded, by cluster, with its
/// state. Basic auth with the receiver's upload credentials; a user sees the clusters it may upload
/// to, and asking for another (`?cluster=NAME`) is answered 403.
///
/// ```swift
/// FleetRoutes(registry: registry, authenticator: auth, logger: logger).register(on: router)
/// // curl -u ops:pw https://receiver:8443/fleet.json?cluster=fox
/// ```
public struct FleetRoutes: Sendable {
    public let registry: FleetRegistry
    public let authenticator: UploadAuthenticator
    /// Counts refused credentials; nil counts nothing.
    public let metrics: ReceiverMetrics?
    public let logger: Logger
    public let clock: @Sendable () -> Int64

    public init(
        registry: FleetRegistry, authenticator: UploadAuthenticator, metrics: ReceiverMetrics? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.registry = registry
        self.authenticator = authenticator
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/fleet") { request, context in
            try await respond(request, address: context.remoteAddress?.ipAddress) { view in
                Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: FleetPage.render(view))))
            }
        }
        router.get("/fleet.json") { request, context in
            try await respond(request, address: context.remoteAddress?.ipAddress) { view in
                Response(
                    status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: FleetJSON.encode(view))))
            }
        }
    }

    func respond(_ request: Request, address: String?, _ body: (FleetView) throws -> Response) async throws -> Response
    {
        let credential: Credential
        switch await authenticator.basicLogin(request.headers[.authorization], address: address) {
        case .success(let accepted):
            credential = accepted
        case .failure(let refusal):
            metrics?.authFailed(endpoint: "fleet")
            return refusal.response
        }
        let user = credential.user
        let asked = request.uri.queryParameters.getAll("cluster")
        if let denied = asked.first(where: { !credential.mayUpload(to: $0) }) {
            logger.warning("fleet view refused", metadata: ["user": "\(user)", "cluster": "\(denied.prefix(64))"])
            return Self.plain(.forbidden, "Not authorized for cluster \(denied.prefix(64))")
        }
        let wanted = Set(asked)
        let view = registry.view(now: clock()) { cluster in
            credential.mayUpload(to: cluster) && (wanted.isEmpty || wanted.contains(cluster))
        }
        return try body(view)
    }

    static func plain(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
