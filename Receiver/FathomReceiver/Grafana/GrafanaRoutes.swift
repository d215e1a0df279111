import FathomShared
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Grafana JSON data source under `/grafana/` (simpod-json-datasource's contract, with
/// SimpleJson's `/search` and `/annotations` as aliases): `GET /`, `POST /metrics`,
/// `/metric-payload-options`, `/query`, `/variable`, `/tag-keys`, `/tag-values`.
///
/// Every call needs Basic auth with the receiver's upload credentials, and a user reads only the
/// clusters it may upload to (403 otherwise). Series come from the ingest index and the
/// measurement archive, never from scanning day files, and their reads run on the stores' own
/// threads.
///
/// ```swift
/// GrafanaRoutes(authenticator: auth, index: index, archive: store, logger: logger).register(on: router)
/// // Grafana: add a "JSON" (simpod-json-datasource) data source, URL https://receiver:8443/grafana
/// ```
public struct GrafanaRoutes: Sendable {
    public let authenticator: UploadAuthenticator
    /// Where the sample series come from (the embedded index or PostgreSQL's); nil answers them 503.
    public let index: (any SampleSeriesIndex)?
    public let archive: (any ArchiveStore)?
    /// Where the `interface.*` metrics read; nil offers them but answers 503.
    public var interfaces: (any InterfaceStore)?
    public let logger: Logger
    public static let maxBodyBytes = 1 << 20
    /// The range names are looked up over when a request carries none.
    static let namesWindow: Int64 = 7 * 86_400

    public init(
        authenticator: UploadAuthenticator, index: (any SampleSeriesIndex)?, archive: (any ArchiveStore)?,
        logger: Logger
    ) {
        self.authenticator = authenticator
        self.index = index
        self.archive = archive
        self.logger = logger
    }

    public func register(on router: Router<IngestRequestContext>) {
        // Hummingbird matches `/grafana/` here too ("Save & Test" calls the URL as configured).
        router.get("/grafana") { request, context in
            try await self.answer(request, address: context.remoteAddress?.ipAddress, read: false) { _, _ in
                .string("Fathom Grafana data source: OK")
            }
        }
        let endpoints: [(String, @Sendable (GrafanaRequest, Credential) async throws -> JSONValue)] = [
            ("metrics", { _, _ in .array(GrafanaMetric.all.map(Self.descriptor)) }),
            ("metric-payload-options", { try await self.payloadOptions($0, viewer: $1) }),
            ("query", { try await self.query($0, viewer: $1) }),
            ("variable", { try await self.variable($0, viewer: $1) }),
            (
                "tag-keys",
                { _, _ in
                    .array(
                        ["cluster", "host", "user", "job"].map {
                            .object(["type": .string("string"), "text": .string($0)])
                        })
                }
            ),
            ("tag-values", { try await self.tagValues($0, viewer: $1) }),
            ("search", { request, _ in Self.search(request) }),
            ("annotations", { _, _ in .array([]) }),
        ]
        for (name, body) in endpoints {
            router.post(RouterPath("/grafana/" + name)) { request, context in
                try await self.answer(request, address: context.remoteAddress?.ipAddress, read: true, body)
            }
            router.on(RouterPath("/grafana/" + name), method: .options) { _, _ in Self.preflight }
        }
    }

    /// Browsers with "direct" access ask first (SimpleJson's README).
    static var preflight: Response {
        var fields = HTTPFields()
        fields[.accessControlAllowOrigin] = "*"
        fields[.accessControlAllowHeaders] = "accept, content-type, authorization"
        fields[.accessControlAllowMethods] = "POST"
        return Response(status: .ok, headers: fields)
    }

    /// Authenticates (through the throttle and the bcrypt pool), reads the (bounded) body, runs
    /// `body`, and turns refusals into JSON.
    func answer(
        _ request: Request, address: String?, read: Bool,
        _ body: @Sendable (GrafanaRequest, Credential) async throws -> JSONValue
    ) async throws -> Response {
        let viewer: Credential
        switch await authenticator.basicLogin(request.headers[.authorization], address: address) {
        case .success(let accepted):
            viewer = accepted
        case .failure(let refusal) where refusal.status == .unauthorized:
            return GrafanaError.unauthorized.response
        case .failure(let refusal):
            return refusal.response
        }
        do {
            var bytes: [UInt8] = []
            if read {
                if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodyBytes {
                    throw GrafanaError.tooLarge(Self.maxBodyBytes)
                }
                do {
                    bytes = Array(try await request.body.collect(upTo: Self.maxBodyBytes).readableBytesView)
                } catch {
                    throw GrafanaError.tooLarge(Self.maxBodyBytes)
                }
            }
            let parsed = try GrafanaRequest(body: bytes, now: Self.now())
            return GrafanaResponse.json(.ok, try await body(parsed, viewer))
        } catch let error as GrafanaError {
            if case .unauthorized = error {
            } else {
                logger.info("grafana request refused: \(error.reason)", metadata: ["path": "\(request.uri.path)"])
            }
            return error.response
        } catch {
            logger.error("grafana request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return GrafanaError.unavailable("store unavailable: \(error)").response
        }
    }

    static func now() -> Int64 { Int64(time(nil)) }

    static func descriptor(_ metric: GrafanaMetric) -> JSONValue {
        .object(["value": .string(metric.name), "label": .string(metric.label), "payloads": .array(metric.payloads)])
    }

    func query(_ request: GrafanaRequest, viewer: Credential) async throws -> JSONValue {
        var builder = GrafanaSeriesBuilder(index: index, archive: archive, viewer: viewer)
        builder.interfaces = interfaces
        return try await builder.answer(request)
    }

    /// SimpleJson's `/search`: metric names containing the typed text (all when empty).
    static func search(_ request: GrafanaRequest) -> JSONValue {
        let text = request.text["target"] ?? ""
        let names = GrafanaMetric.all.map(\.name).filter { text.isEmpty || $0.contains(text) }
        return .array(names.map { .string($0) })
    }

    func payloadOptions(_ request: GrafanaRequest, viewer: Credential) async throws -> JSONValue {
        guard let name = request.text["name"] else {
            throw GrafanaError.badRequest("name (the payload field) is required")
        }
        if let metric = request.text["metric"], GrafanaMetric(metric) == nil {
            throw GrafanaError.badRequest("unknown metric: \(metric.prefix(80))")
        }
        let values = try await names(name, payload: request.payload, request: request, viewer: viewer)
        return .array(values.map { .object(["label": .string($0), "value": .string($0)]) })
    }

    func variable(_ request: GrafanaRequest, viewer: Credential) async throws -> JSONValue {
        let what = request.payload.string("target") ?? request.text["target"] ?? "clusters"
        let field =
            [
                "clusters": "cluster", "hosts": "host", "jobs": "job", "users": "user",
                "sources": "source", "destinations": "destination",
            ][what] ?? what
        let values = try await names(field, payload: request.payload, request: request, viewer: viewer)
        return .array(values.map { .object(["__text": .string($0), "__value": .string($0)]) })
    }

    func tagValues(_ request: GrafanaRequest, viewer: Credential) async throws -> JSONValue {
        guard let key = request.text["key"] else { throw GrafanaError.badRequest("key is required") }
        return .array(
            try await names(key, payload: request.payload, request: request, viewer: viewer).map {
                .object(["text": .string($0)])
            })
    }

    /// The values a payload field or filter key can take, as far as the viewer may see them.
    func names(_ field: String, payload: GrafanaRequest.Payload, request: GrafanaRequest, viewer: Credential)
        async throws -> [String]
    {
        let hasRange = request.raw["range"] != nil
        let from = hasRange ? request.from : request.to - Self.namesWindow
        switch field {
        case "cluster":
            return GrafanaScope.visible(try await index?.clusters() ?? [], viewer: viewer)
        case "interface":
            guard let interfaces else { return [] }
            let cluster = try GrafanaScope.cluster(payload, request: request, viewer: viewer)
            guard let host = payload.string("host") ?? request.filterValues("host").first else { return [] }
            let rows = try await interfaces.lifeCycle(cluster: cluster, host: host)
            return Array(Set(rows.filter { ($0.activeUntil ?? Int64.max) >= from }.map(\.name))).sorted()
        case "host" where index == nil:
            guard let interfaces else { return [] }
            let cluster = try GrafanaScope.cluster(payload, request: request, viewer: viewer)
            return try await interfaces.devices(cluster: cluster).map(\.host)
        case "host", "job", "user":
            guard let index else { return [] }
            let clusters: [String]
            if payload.string("cluster") != nil || !request.filterValues("cluster").isEmpty
                || viewer.scope == .sameNameOnly
            {
                clusters = [try GrafanaScope.cluster(payload, request: request, viewer: viewer)]
            } else {
                clusters = GrafanaScope.visible(try await index.clusters(), viewer: viewer)
            }
            var out: [String] = []
            for cluster in clusters {
                if field == "host" {
                    out += try await index.hosts(cluster: cluster)
                    // Hosts that report interfaces only (no process samples) are listed too.
                    out += try await interfaces?.devices(cluster: cluster).map(\.host) ?? []
                } else {
                    out += try await index.names(
                        field == "job" ? .job : .user, cluster: cluster, from: from, to: request.to, limit: 1000)
                }
            }
            return Array(Set(out)).sorted()
        case "source", "destination":
            guard let archive else { return [] }
            var filter = ArchiveMetadataFilter()
            filter.limit = 1500
            let page = try await archive.listMetadata(filter).page
            return Array(Set(page.compactMap { $0.input.subject[field] })).sorted()
        case "event-type":
            return ArchiveEventTypes.all.filter { $0.value != .subinterval && $0.value != .json }.map(\.key).sorted()
        case "limit":
            return ["5", "10", "20", "50"]
        default:
            throw GrafanaError.badRequest("unknown payload field: \(field.prefix(80))")
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
