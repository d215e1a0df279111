import FathomShared
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics` in the Prometheus text format. With `metrics_auth = true` it needs Basic auth
/// from a credentials-file user allowed every cluster (`clusters=*`), since the metrics name every
/// cluster; without it the endpoint is open, as Prometheus exporters usually are.
///
/// ```swift
/// MetricsRoutes(metrics: metrics, fleet: registry, authenticator: requireAuth ? auth : nil).register(on: router)
/// ```
public struct MetricsRoutes: Sendable {
    public let metrics: ReceiverMetrics
    public let fleet: FleetRegistry?
    /// Checks scrapers' credentials; nil serves anyone.
    public let authenticator: UploadAuthenticator?
    public let clock: @Sendable () -> Int64

    public init(
        metrics: ReceiverMetrics, fleet: FleetRegistry?, authenticator: UploadAuthenticator?,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.metrics = metrics
        self.fleet = fleet
        self.authenticator = authenticator
        self.clock = clock
    }

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/metrics") { request, context in
            if let authenticator {
                let credential: Credential
                switch await authenticator.basicLogin(
                    request.headers[.authorization], address: context.remoteAddress?.ipAddress)
                {
                case .success(let accepted):
                    credential = accepted
                case .failure(let refusal):
                    metrics.authFailed(endpoint: "metrics")
                    return refusal.response
                }
                guard credential.scope == .any else {
                    return FleetRoutes.plain(.forbidden, "Metrics need a user allowed every cluster (clusters=*)")
                }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition(fleet: fleet, now: clock()))))
        }
    }
}
