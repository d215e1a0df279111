import Hummingbird

/// Counts answered writes to the measurement archive (`POST`/`PUT` under `/esmond/` and
/// `/perfsonar/`) by status, and the archive's 401s as authentication failures, without reaching
/// into the archive's routes.
///
/// ```swift
/// router.add(middleware: ArchiveWriteCounting(metrics: metrics))
/// ```
public struct ArchiveWriteCounting<Context: RequestContext>: RouterMiddleware {
    public let metrics: ReceiverMetrics

    public init(metrics: ReceiverMetrics) { self.metrics = metrics }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard request.method == .post || request.method == .put,
            path.hasPrefix("/esmond/") || path.hasPrefix("/perfsonar/")
        else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            count(Int(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            count(Int(error.status.code))
            throw error
        }
    }

    private func count(_ status: Int) {
        metrics.archiveWrite(status: status)
        if status == 401 { metrics.authFailed(endpoint: "archive") }
    }
}
