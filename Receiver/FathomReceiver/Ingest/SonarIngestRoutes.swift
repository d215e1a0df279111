import FathomShared
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Jobanalyzer-compatible upload endpoints: `POST /sonar-freecsv?cluster=C` (`text/csv`) and
/// `POST /sysinfo?cluster=C` (`application/json`), and Fathom's `POST /interfaces?cluster=C`
/// (`text/csv`, interface counters, stored by an ``InterfaceStore``), checked in infiltrate's order so existing
/// sonar + curl node scripts work unchanged: method (403), content type (400; media type compared
/// case-insensitively, parameters allowed, see ``MediaType``), credentials (401),
/// parameters (400), cluster authority (403), size (413), content (400). 200 with an empty body
/// only once the data is durable in the store (``SampleStore``: day files or PostgreSQL). Logins refused by the throttle get 429 and a full password
/// pool 503, both with `Retry-After`.
public struct SonarIngestRoutes: Sendable {
    public let authenticator: UploadAuthenticator
    public let store: any SampleStore
    public let validator: SonarUploadValidator
    public let maxBodyBytes: Int
    public let logger: Logger
    /// Failed logins are logged at most 20 lines per 10 s, with the count of those left out.
    let loginLog = LogBudget(lines: 20, per: .seconds(10))
    /// Told of every committed upload, for the fleet page; nil tells no one.
    public var fleet: FleetRegistry?
    /// Counts answers, stored bytes and authentication failures; nil counts nothing.
    public var metrics: ReceiverMetrics?
    /// Where `POST /interfaces` stores interface counters; nil serves no such route.
    public var interfaceStore: (any InterfaceStore)?

    public static let batchIDHeader = HTTPField.Name(WireHeaders.batchID)!

    public init(
        authenticator: UploadAuthenticator, store: any SampleStore, validator: SonarUploadValidator,
        maxBodyBytes: Int, logger: Logger
    ) {
        self.authenticator = authenticator
        self.store = store
        self.validator = validator
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    public func register(on router: Router<IngestRequestContext>) {
        for kind in UploadKind.sonarKinds + (interfaceStore == nil ? [] : [.interfaces]) {
            let path = kind.path
            router.post(RouterPath(path)) { request, context in
                try await self.handle(request, context: context, kind: kind)
            }
            for method in [HTTPRequest.Method.get, .put, .delete, .patch, .head, .options] {
                router.on(RouterPath(path), method: method) { request, context in
                    self.reject(.forbidden, "Bad method", request: request, context: context, cluster: nil)
                }
            }
        }
    }

    func handle(_ request: Request, context: IngestRequestContext, kind: UploadKind) async throws -> Response {
        guard let type = request.headers[.contentType].flatMap(MediaType.init), type.isUTF8(essence: kind.contentType)
        else {
            return reject(.badRequest, "Bad content-type", request: request, context: context, cluster: nil)
        }
        guard let header = request.headers[.authorization], let (user, password) = BasicAuthorization.parse(header)
        else {
            return unauthorized(request: request, context: context, user: nil)
        }
        let credential: Credential
        switch await authenticator.authenticate(
            user: user, password: password, address: context.remoteAddress?.ipAddress)
        {
        case .accepted(let accepted):
            credential = accepted
        case .rejected:
            return unauthorized(request: request, context: context, user: user)
        case .throttled(let seconds):
            return refuseLogin(
                .tooManyRequests, "Too many failed logins; retry later", retryAfter: seconds,
                request: request, context: context, user: user)
        case .busy(let seconds):
            return refuseLogin(
                .serviceUnavailable, "Busy verifying passwords; retry later", retryAfter: seconds,
                request: request, context: context, user: user)
        }
        let clusters = request.uri.queryParameters.getAll("cluster")
        guard clusters.count == 1 else {
            return reject(.badRequest, "Bad parameters", request: request, context: context, cluster: nil, user: user)
        }
        guard let cluster = StorageName(clusters[0]) else {
            return reject(.badRequest, "Bad cluster name", request: request, context: context, cluster: nil, user: user)
        }
        guard credential.mayUpload(to: cluster.value) else {
            return reject(
                .forbidden, "Upload not authorized for cluster", request: request, context: context,
                cluster: cluster.value, user: user)
        }
        var batchID: String?
        if let id = request.headers[Self.batchIDHeader] {
            guard Self.isValidBatchID(id) else {
                return reject(
                    .badRequest, "Bad Fathom-Batch-Id", request: request, context: context,
                    cluster: cluster.value, user: user)
            }
            batchID = cluster.value + "/" + id
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            return reject(
                .contentTooLarge, "Upload too large (limit \(maxBodyBytes) bytes)", request: request,
                context: context, cluster: cluster.value, user: user)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return reject(
                .contentTooLarge, "Upload too large (limit \(maxBodyBytes) bytes)", request: request,
                context: context, cluster: cluster.value, user: user)
        }
        let bytes = Array(body.readableBytesView)
        if kind == .interfaces, let interfaceStore {
            return await storeInterfaces(
                bytes, store: interfaceStore, cluster: cluster, batchID: batchID, request: request, context: context,
                user: user)
        }
        let appends: [FileAppend]
        do {
            appends =
                try kind == .samples
                ? validator.freeCSV(bytes, cluster: cluster) : validator.sysinfo(bytes, cluster: cluster)
        } catch {
            return reject(
                .badRequest, error.message, request: request, context: context, cluster: cluster.value, user: user)
        }
        do {
            let outcome = try await store.commit(appends, batchID: batchID)
            if outcome == .duplicate {
                logger.info(
                    "replayed batch acknowledged without writing",
                    metadata: ["cluster": "\(cluster)", "batch": "\(batchID ?? "")"])
            }
            committed(kind, cluster: cluster.value, appends: appends, request: request, bytes: bytes.count)
            return Response(status: .ok)
        } catch let error as StorageError {
            logger.error("upload not stored", metadata: ["cluster": "\(cluster)", "error": "\(error)"])
            let status: HTTPResponse.Status =
                error.isDiskFull ? .init(code: 507, reasonPhrase: "Insufficient Storage") : .serviceUnavailable
            answered(status, cluster: cluster.value, user: user)
            return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: "Storage unavailable\n")))
        }
    }

    static func isValidBatchID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.utf8.allSatisfy { b in
                (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95
            }
    }

    /// 401 for a missing or wrong password, logged within `loginLog`'s budget.
    func unauthorized(request: Request, context: IngestRequestContext, user: String?) -> Response {
        var response = refuseLogin(
            .unauthorized, "Unauthorized", retryAfter: nil, request: request, context: context,
            user: user)
        response.headers[.wwwAuthenticate] = "Basic realm=\"fathom\""
        return response
    }

    /// A refused login: strangers can cause these at will, so they are logged within a budget.
    func refuseLogin(
        _ status: HTTPResponse.Status, _ message: String, retryAfter: Int?, request: Request,
        context: IngestRequestContext, user: String?
    ) -> Response {
        if let suppressed = loginLog.admit() {
            let counts = authenticator.throttle.counts
            logger.warning(
                "upload rejected: \(message)",
                metadata: [
                    "status": "\(status.code)", "path": "\(request.uri.path)",
                    "peer": "\(context.remoteAddress?.description ?? "?")", "user": "\(user ?? "")",
                    "failures": "\(counts.failures)", "throttled": "\(counts.refusals)",
                    "suppressed": "\(suppressed)",
                ])
        }
        answered(status, cluster: nil, user: user)
        var response = Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    func reject(
        _ status: HTTPResponse.Status, _ message: String, request: Request, context: IngestRequestContext,
        cluster: String?, user: String? = nil
    ) -> Response {
        var metadata: Logger.Metadata = [
            "status": "\(status.code)", "path": "\(request.uri.path)",
            "peer": "\(context.remoteAddress?.description ?? "?")",
        ]
        if let cluster { metadata["cluster"] = "\(cluster)" }
        if let user { metadata["user"] = "\(user)" }
        logger.warning("upload rejected: \(message)", metadata: metadata)
        answered(status, cluster: cluster, user: user)
        return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
