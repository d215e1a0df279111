import FathomShared
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// esmond's SNMP ("device") REST API over the interface store, under `/esmond/v2/…` and `/v2/…`,
/// as esmond-client 4.2.1's `snmp` module reads it: devices, interfaces (nested and flat), the six
/// data endpoints as per-second rates, the bulk interface query, `oidset` and `oidsetmap`.
/// Reads are anonymous, as the archive's are; a token, if sent, is ignored.
///
/// ```swift
/// DeviceRoutes(store: interfaces, links: origin, logger: logger).register(on: router)
/// // GET /esmond/v2/device/?limit=0 → [{"name": "node1", "children": [{"name": "interface", …}], …}]
/// ```
public struct DeviceRoutes: Sendable {
    public let store: any InterfaceStore
    public let links: ArchiveLinkOrigin
    public let logger: Logger
    /// Unix seconds now; injectable so tests can place "active now" and default windows.
    public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public static let prefixes = ["/esmond/v2", "/v2"]
    /// The base sampling frequency the data endpoints bin at by default (the agent's default
    /// `[interfaces] interval`), and the aggregations esmond's OIDSets allow beside it.
    public static let baseFrequency: Int64 = 30
    static let aggregations: Set<Int64> = [baseFrequency, 3600, 86400]

    public init(store: any InterfaceStore, links: ArchiveLinkOrigin, logger: Logger) {
        self.store = store
        self.links = links
        self.logger = logger
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        for prefix in Self.prefixes {
            get(router, prefix + "/device") { request, _ in try await deviceList(request) }
            get(router, prefix + "/device/:dev") { request, context in
                try await deviceDetail(name: try Self.parameter(context, "dev"))
            }
            get(router, prefix + "/device/:dev/interface") { request, context in
                try await interfaceList(request, device: try Self.parameter(context, "dev"))
            }
            get(router, prefix + "/device/:dev/interface/:ifname") { request, context in
                try await interfaceDetail(
                    request, device: try Self.parameter(context, "dev"), name: try Self.parameter(context, "ifname"))
            }
            get(router, prefix + "/device/:dev/interface/:ifname/:type") { request, context in
                try await data(request, context: context, alias: try Self.parameter(context, "type"))
            }
            get(router, prefix + "/device/:dev/interface/:ifname/:type/:subtype") { request, context in
                let alias = try Self.parameter(context, "type") + "/" + Self.parameter(context, "subtype")
                return try await data(request, context: context, alias: alias)
            }
            get(router, prefix + "/interface") { request, _ in try await interfaceList(request, device: nil) }
            get(router, prefix + "/oidset") { _, _ in
                Self.json(.ok, .array(DeviceEndpoint.oidsets.map(JSONValue.string)))
            }
            get(router, prefix + "/oidsetmap") { _, _ in
                Self.json(.ok, .object(DeviceEndpoint.oidsetMap.mapValues { .object($0.mapValues(JSONValue.string)) }))
            }
            router.post(RouterPath(prefix + "/bulk/interface")) { request, _ in
                await Self.answering { try await bulk(request) }
            }
        }
    }

    private func get<Context: RequestContext>(
        _ router: Router<Context>, _ path: String,
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        router.get(RouterPath(path)) { request, context in await Self.answering { try await handler(request, context) }
        }
    }

    /// Turns refusals into esmond's JSON bodies and store failures into a 503 JSON answer.
    static func answering(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as DeviceAPIError {
            return json(error.status, error.body)
        } catch {
            return json(.serviceUnavailable, .object(["detail": .string("interface store unavailable: \(error)")]))
        }
    }

    /// `Content-Type: application/json` exactly: the client compares the whole header.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        ArchiveResponse.json(status, value)
    }

    static func parameter<Context: RequestContext>(_ context: Context, _ name: String) throws(DeviceAPIError)
        -> String
    {
        guard let value = context.parameters.get(name) else { throw .detail(.notFound, "Not found.") }
        return AtEncoding.decode(String(value))
    }

    var view: DeviceView { DeviceView(origin: links.string) }

    static func query(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where values[String(name)] == nil {
            values[String(name)] = String(value).removingPercentEncoding ?? String(value)
        }
        return values
    }

    func devices() async throws -> [DeviceView.Device] {
        DeviceView.devices(
            try await store.devices(cluster: nil), rows: try await store.lifeCycle(cluster: nil, host: nil))
    }

    func deviceList(_ request: Request) async throws -> Response {
        let query = Self.query(request)
        let window = try DeviceTimeWindow(beginText: query["begin"], endText: query["end"], now: now())
        var devices = try await devices().filter { window.admits(begin: $0.begin, end: $0.end) }
        if let name = query["name"] { devices = devices.filter { $0.name == name } }
        return Self.json(.ok, .array(devices.map(view.device)))
    }

    func deviceDetail(name: String) async throws -> Response {
        guard let device = try await devices().first(where: { $0.name == name }) else {
            throw DeviceAPIError.detail(.notFound, "Not found.")
        }
        return Self.json(.ok, view.device(device))
    }

    func interfaceList(_ request: Request, device: String?) async throws -> Response {
        let query = Self.query(request)
        let window = try DeviceTimeWindow(beginText: query["begin"], endText: query["end"], now: now())
        var rows = try await store.lifeCycle(cluster: nil, host: device).filter {
            window.admits(begin: $0.activeFrom, end: DeviceView.end($0))
        }
        let filter = InterfaceListFilter(query: query)
        rows = rows.filter(filter.admits).sorted(by: DeviceView.listOrder)
        let limit = Int(query["limit"] ?? "0") ?? 0
        let offset = max(0, Int(query["offset"] ?? "0") ?? 0)
        let page = limit > 0 ? Array(rows.dropFirst(offset).prefix(limit)) : rows
        var next: JSONValue = .null
        if limit > 0 && offset + limit < rows.count {
            var parts = query.filter { $0.key != "limit" && $0.key != "offset" }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            parts += ["limit=\(limit)", "offset=\(offset + limit)"]
            next = .string(links.string + request.uri.path + "?" + parts.joined(separator: "&"))
        }
        let meta: JSONValue = .object([
            "next": next, "previous": .null, "limit": .integer(Int64(max(0, limit))),
            "total_count": .integer(Int64(rows.count)), "offset": .integer(Int64(limit > 0 ? offset : 0)),
        ])
        return Self.json(.ok, .object(["meta": meta, "children": .array(page.map(view.interface))]))
    }

    func interfaceDetail(_ request: Request, device: String, name: String) async throws -> Response {
        let query = Self.query(request)
        let window = try DeviceTimeWindow(beginText: query["begin"], endText: query["end"], now: now())
        let rows = try await store.lifeCycle(cluster: nil, host: device)
        guard let row = DeviceView.pick(rows, name: name, window: window) else {
            throw DeviceAPIError.detail(.notFound, "Not found.")
        }
        return Self.json(.ok, view.interface(row))
    }
}
