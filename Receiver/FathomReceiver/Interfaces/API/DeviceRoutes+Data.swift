import FathomShared
import Foundation
import HTTPTypes
import Hummingbird

/// The data endpoints (`…/interface/{ifName}/{alias}`) and the bulk interface query: rates from the
/// store binned by ``InterfaceRateBins``, with esmond's parameters, defaults and refusals.
extension DeviceRoutes {
    /// A series request's parameters, checked as esmond checks them.
    struct SeriesQuery {
        var begin: Int64
        var end: Int64
        var agg: Int64
        var cf: String

        init(begin: Int64?, end: Int64?, agg: Int64?, cf: String?, now: Int64) throws(DeviceAPIError) {
            self.end = end ?? now
            self.begin = begin ?? (end ?? now) - 3600
            self.agg = agg ?? DeviceRoutes.baseFrequency
            self.cf = cf ?? "average"
            guard DeviceRoutes.aggregations.contains(self.agg) else {
                let oidset = "FastPollHC"
                throw .queryError("no valid aggregation \(self.agg) in oidset \(oidset)")
            }
            guard ["average", "min", "max", "raw"].contains(self.cf) else {
                throw .queryError("\(self.cf) is not a valid consolidation function")
            }
            // esmond's limits on an anonymous request's range, by aggregation.
            let limit: Int64 = self.agg <= 300 ? 30 * 86400 : self.agg <= 3600 ? 365 * 86400 : 3650 * 86400
            guard self.end - self.begin <= limit else {
                throw .queryError("exceeded valid timerange for agg level: \(self.agg)")
            }
        }

        var bins: InterfaceRateBins { InterfaceRateBins(begin: begin, end: end, agg: agg, cf: cf) }
    }

    func data<Context: RequestContext>(_ request: Request, context: Context, alias: String) async throws -> Response {
        let device = try Self.parameter(context, "dev")
        let name = try Self.parameter(context, "ifname")
        let query = Self.query(request)
        let window = try DeviceTimeWindow(beginText: query["begin"], endText: query["end"], now: now())
        let rows = try await store.lifeCycle(cluster: nil, host: device)
        guard let row = DeviceView.pick(rows, name: name, window: window) else {
            throw DeviceAPIError.error("no such device/interface: dev: \(device) int: \(name)")
        }
        guard let endpoint = DeviceEndpoint(rawValue: alias) else {
            throw DeviceAPIError.error("no such dataset: \(alias)")
        }
        let series = try SeriesQuery(
            begin: window.begin, end: window.end, agg: try Self.integer(query["agg"], "agg"), cf: query["cf"],
            now: now())
        let path = DeviceView.interfaceURI(row) + "/" + endpoint.rawValue
        return Self.json(
            .ok,
            .object([
                "url": .string(links.string + path), "data": try await points(row: row, endpoint, series),
                "begin_time": .integer(series.begin), "end_time": .integer(series.end),
                "agg": .string(String(series.agg)), "cf": .string(series.cf), "resource_uri": .string(path),
            ]))
    }

    /// `[{"ts": …, "val": …}]` of one row's endpoint; every bin null when there is no row.
    func points(row: InterfaceLifeCycleRow?, _ endpoint: DeviceEndpoint, _ series: SeriesQuery) async throws
        -> JSONValue
    {
        let bins = series.bins
        let (first, last) = bins.range
        // Steps end after the bin they start in: read past the window's end by a day.
        var steps: [InterfaceRateStep] = []
        if let row { steps = try await store.rates(interfaceID: row.id, from: first, to: last + 86400) }
        return .array(
            bins.points(steps, endpoint: endpoint).map {
                .object(["ts": .integer($0.ts), "val": $0.val.map(JSONValue.number) ?? .null])
            })
    }

    /// `POST /v2/bulk/interface/`: `{"interfaces": [{"device", "iface"}], "endpoint": [...], "begin",
    /// "end", "cf", "agg"?}` → 201 with one row per (interface, endpoint), in request order.
    func bulk(_ request: Request) async throws -> Response {
        let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        guard let body = try? JSONText.parse(bytes), case .object(let members) = body else {
            throw DeviceAPIError.detail(.badRequest, "Did not receive json payload for bulk POST request.")
        }
        guard let interfaces = members["interfaces"], let endpoints = members["endpoint"] else {
            throw DeviceAPIError.detail(.badRequest, "JSON payload must have endpoint and interfaces keys.")
        }
        guard case .array(let interfaceList) = interfaces, case .array(let endpointList) = endpoints else {
            throw DeviceAPIError.detail(.badRequest, "Both endpoint and interfaces keys must be a list")
        }
        var aliases: [DeviceEndpoint] = []
        for value in endpointList {
            guard case .string(let alias) = value, let endpoint = DeviceEndpoint(rawValue: alias) else {
                throw DeviceAPIError.error("no such dataset \(value.pythonString)")
            }
            aliases.append(endpoint)
        }
        func seconds(_ key: String) throws(DeviceAPIError) -> Int64? {
            guard let value = members[key], value != .null else { return nil }
            guard let number = value.doubleValue, number.isFinite, abs(number) < 1e15 else {
                throw .queryError("\(key) must be a number of seconds")
            }
            return Int64(number)
        }
        let cf: String? = if case .string(let text) = members["cf"] { text } else { nil }
        let series = try SeriesQuery(
            begin: seconds("begin"), end: seconds("end"), agg: seconds("agg"), cf: cf, now: now())
        let window = DeviceTimeWindow(begin: series.begin, end: series.end, now: now())
        let known = Set(try await store.devices(cluster: nil).map(\.host))
        var rows: [JSONValue] = []
        var deviceNames: [JSONValue] = []
        for item in interfaceList {
            guard case .string(let deviceText) = item["device"], case .string(let iface) = item["iface"] else {
                throw DeviceAPIError.error("each interface needs string device and iface")
            }
            // esmond also takes a device URI and keeps its last path segment.
            let device = AtEncoding.decode(
                deviceText.split(separator: "/").last.map(String.init) ?? deviceText)
            guard known.contains(device) else { throw DeviceAPIError.error("no such device: \(device)") }
            deviceNames.append(.string(device))
            let row = DeviceView.pick(
                try await store.lifeCycle(cluster: nil, host: device), name: iface, window: window)
            for endpoint in aliases {
                rows.append(
                    .object([
                        "data": try await points(row: row, endpoint, series),
                        "path": .object([
                            "dev": .string(device), "iface": .string(iface), "endpoint": .string(endpoint.rawValue),
                        ]),
                    ]))
            }
        }
        let agg: JSONValue =
            members["agg"].flatMap { $0 == .null ? nil : JSONValue.string(String(series.agg)) } ?? .null
        return Self.json(
            .created,
            .object([
                "url": .string(links.string + "/v2/bulk/interface/"), "data": .array(rows),
                "begin_time": .integer(series.begin), "end_time": .integer(series.end), "agg": agg,
                "cf": .string(series.cf), "iface_dataset": .array(aliases.map { .string($0.rawValue) }),
                "device_names": .array(deviceNames), "resource_uri": .string("/v2/bulk/interface/"),
            ]))
    }

    static func integer(_ text: String?, _ name: String) throws(DeviceAPIError) -> Int64? {
        guard let text else { return nil }
        guard let value = Double(text), value.isFinite, abs(value) < 1e15 else {
            throw .queryError("\(name) must be a number: \(text)")
        }
        return Int64(value)
    }
}
