import FathomShared
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The esmond-compatible REST API over an ``ArchiveStore``, served at the host root under both
/// `/esmond/perfsonar/archive` (what perfSONAR hosts and esmond-client use) and
/// `/perfsonar/archive` (esmond-ps-pipe, gridftp loader), with and without trailing slashes.
///
/// ```swift
/// let links = try ArchiveLinkOrigin(publicURL: "https://ma.example.org")
/// ArchiveRoutes(store: store, keys: try ArchiveAPIKeys(path: keysPath), links: links, logger: logger).register(on: router)
/// ```
public struct ArchiveRoutes: Sendable {
    public static let prefixes = ["/esmond/perfsonar/archive", "/perfsonar/archive"]
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    public let store: any ArchiveStore
    public let keys: ArchiveAPIKeys
    /// Peers that may write without a token.
    public let writerNetworks: ArchiveWriterNetworks
    /// Reads are anonymous in esmond; a private archive can demand a token (or allow-listed peer) for them too.
    public let readsNeedCredentials: Bool
    /// Where absolute links (`url`, `Location`, page links) start; never the request's `Host`.
    public let links: ArchiveLinkOrigin
    /// Name lookups for the address filters, off the handlers' threads.
    public let resolver: ArchiveHostResolver
    public let maxBodyBytes: Int
    public let logger: Logger

    public init(
        store: any ArchiveStore, keys: ArchiveAPIKeys, writerNetworks: ArchiveWriterNetworks = .init(),
        readsNeedCredentials: Bool = false, links: ArchiveLinkOrigin, resolver: ArchiveHostResolver = .shared,
        maxBodyBytes: Int = 16 << 20, logger: Logger
    ) {
        self.store = store
        self.keys = keys
        self.writerNetworks = writerNetworks
        self.readsNeedCredentials = readsNeedCredentials
        self.links = links
        self.resolver = resolver
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        for prefix in Self.prefixes {
            let root = String(prefix.dropLast("/archive".count))
            router.get(RouterPath(root)) { request, context in
                await self.guarded(request, context, write: false) {
                    .json(.ok, .object(["archive": .string(self.origin(request) + prefix + "/")]))
                }
            }
            router.get(RouterPath(prefix)) { request, context in
                try await self.guarded(request, context, write: false) {
                    try await self.listMetadata(request, prefix: prefix)
                }
            }
            router.post(RouterPath(prefix)) { request, context in
                try await self.guarded(request, context, write: true) {
                    try await self.createMetadata(request, prefix: prefix)
                }
            }
            let detail = prefix + "/:key"
            router.get(RouterPath(detail)) { request, context in
                try await self.guarded(request, context, write: false) {
                    try await self.metadataDetail(request, prefix: prefix, key: context.parameters.get("key") ?? "")
                }
            }
            router.put(RouterPath(detail)) { request, context in
                try await self.guarded(request, context, write: true) {
                    try await self.bulkWrite(request, key: context.parameters.get("key") ?? "")
                }
            }
            let eventType = detail + "/:eventType"
            router.get(RouterPath(eventType)) { request, context in
                try await self.guarded(request, context, write: false) {
                    try await self.eventTypeDetail(request, prefix: prefix, parameters: context.parameters)
                }
            }
            // esmond's event-type POST is a stub that stores nothing; only the credentials count.
            router.post(RouterPath(eventType)) { request, context in
                await self.guarded(request, context, write: true) { ArchiveResponse.createdEmpty }
            }
            for path in [eventType + "/:summary", eventType + "/:summary/:window"] {
                router.get(RouterPath(path)) { request, context in
                    try await self.guarded(request, context, write: false) {
                        try await self.series(request, prefix: prefix, parameters: context.parameters)
                    }
                }
                router.post(RouterPath(path)) { request, context in
                    try await self.guarded(request, context, write: true) {
                        try await self.pointWrite(request, parameters: context.parameters)
                    }
                }
            }
            for (path, methods) in [
                (prefix, [HTTPRequest.Method.put, .delete, .patch]), (detail, [.post, .delete, .patch]),
            ] {
                for method in methods {
                    router.on(RouterPath(path), method: method) { request, context in
                        ArchiveResponse.methodNotAllowed(request.method)
                    }
                }
            }
        }
    }

    /// Authentication first (a wrong token is 401 even on reads, as in DRF), then the handler;
    /// every failure becomes a JSON answer, never an HTML page or a bare 500.
    func guarded<Context: RemoteAddressRequestContext>(
        _ request: Request, _ context: Context, write: Bool, _ handler: () async throws -> Response
    ) async rethrows -> Response {
        switch await keys.verdict(
            authorization: request.headers[.authorization], address: context.remoteAddress?.ipAddress)
        {
        case .invalid(let message):
            return unauthorized(message)
        case .throttled(let seconds):
            return retryLater(.tooManyRequests, "Too many invalid tokens; retry later.", seconds)
        case .busy(let seconds):
            return retryLater(.serviceUnavailable, "Busy verifying tokens; retry later.", seconds)
        case .anonymous where write || readsNeedCredentials:
            let forwarded = request.headers[Self.forwardedFor]
            if !writerNetworks.mayWrite(peer: context.remoteAddress?.ipAddress, forwardedFor: forwarded) {
                return unauthorized("Authentication credentials were not provided.")
            }
        default:
            break
        }
        do {
            return try await handler()
        } catch let error as ArchiveHTTPError {
            return ArchiveResponse.error(error)
        } catch let error as ArchiveValidationError {
            // Raised inside a store transaction (a summary that would overflow): nothing was stored.
            return ArchiveResponse.error(.badRequest(error.message))
        } catch {
            logger.error("archive request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return ArchiveResponse.error(ArchiveHTTPError(.serviceUnavailable, "Archive storage unavailable"))
        }
    }

    /// 429 or 503 from the login guard, with the wait in `Retry-After`.
    func retryLater(_ status: HTTPResponse.Status, _ message: String, _ seconds: Int) -> Response {
        var error = ArchiveHTTPError(status, message)
        error.extraHeaders[.retryAfter] = String(seconds)
        return ArchiveResponse.error(error)
    }

    func unauthorized(_ message: String) -> Response {
        var error = ArchiveHTTPError(.unauthorized, message)
        error.extraHeaders[.wwwAuthenticate] = "Token"
        return ArchiveResponse.error(error)
    }

    func origin(_ request: Request) -> String { links.string }

    func collectBody(_ request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw ArchiveHTTPError(.contentTooLarge, "Request body too large (limit \(maxBodyBytes) bytes)")
        }
        do {
            return Array(try await request.body.collect(upTo: maxBodyBytes).readableBytesView)
        } catch {
            throw ArchiveHTTPError(.contentTooLarge, "Request body too large (limit \(maxBodyBytes) bytes)")
        }
    }
}
