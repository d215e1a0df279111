import FathomShared

/// The device API's view of the interface store: hosts as esmond devices, life-cycle rows as
/// esmond's IfRef history rows, and the JSON objects esmond's serializers write for them. Every
/// `uri` is written without the `/esmond` mount (`/v2/…`), names atencoded (``AtEncoding``), so
/// the client's `api_url + uri` works whichever prefix it was given.
struct DeviceView: Sendable {
    /// Where absolute `url`s start.
    let origin: String

    /// One host: its rows across clusters, alive from its first sample; ended at its last sample
    /// once none of its interfaces is still open.
    struct Device: Sendable {
        var id: Int
        var name: String
        var begin: Int64
        var end: Int64
    }

    static func devices(_ hosts: [InterfaceDevice], rows: [InterfaceLifeCycleRow]) -> [Device] {
        var byHost: [String: (begin: Int64, last: Int64)] = [:]
        for host in hosts {
            let seen = byHost[host.host]
            byHost[host.host] = (
                min(seen?.begin ?? host.firstSeen, host.firstSeen), max(seen?.last ?? 0, host.lastSeen)
            )
        }
        let open = Set(rows.filter { $0.activeUntil == nil }.map(\.host))
        return byHost.keys.sorted().enumerated().map { offset, name in
            let times = byHost[name]!
            return Device(
                id: offset + 1, name: name, begin: times.begin,
                end: open.contains(name) ? DeviceTimeWindow.endOfTime : times.last)
        }
    }

    static func end(_ row: InterfaceLifeCycleRow) -> Int64 { row.activeUntil ?? DeviceTimeWindow.endOfTime }

    static func deviceURI(_ name: String) -> String { "/v2/device/" + AtEncoding.encode(name) + "/" }

    static func interfaceURI(_ row: InterfaceLifeCycleRow) -> String {
        deviceURI(row.host) + "interface/" + AtEncoding.encode(row.name)
    }

    func device(_ device: Device) -> JSONValue {
        let uri = Self.deviceURI(device.name)
        return .object([
            "id": .integer(Int64(device.id)), "url": .string(origin + uri), "name": .string(device.name),
            "active": .bool(device.end == DeviceTimeWindow.endOfTime), "begin_time": .integer(device.begin),
            "end_time": .integer(device.end), "oidsets": .array(DeviceEndpoint.oidsets.map(JSONValue.string)),
            "leaf": .bool(false),
            "children": .array(
                ["interface", "system", "all"].map {
                    .object(["leaf": .bool(false), "name": .string($0), "uri": .string(uri + $0 + "/")])
                }),
            "uri": .string(uri), "resource_uri": .string(uri),
        ])
    }

    func interface(_ row: InterfaceLifeCycleRow) -> JSONValue {
        let uri = Self.interfaceURI(row)
        let speedBits = row.speedMbps.map { min(Int64($0) * 1_000_000, Int64(UInt32.max)) } ?? 0
        return .object([
            "begin_time": .integer(row.activeFrom), "end_time": .integer(Self.end(row)),
            "children": .array(
                DeviceEndpoint.childOrder.map {
                    .object([
                        "name": .string($0.rawValue), "url": .string(origin + uri + "/" + $0.rawValue),
                        "leaf": .bool(true), "uri": .string(uri + "/" + $0.rawValue),
                    ])
                }),
            "device": .string(row.host), "device_uri": .string(Self.deviceURI(row.host)), "id": .integer(row.id),
            "ifAdminStatus": .integer(row.adminUp ? 1 : 2), "ifAlias": .string(row.alias), "ifDescr": .string(row.name),
            "ifHighSpeed": .integer(Int64(row.speedMbps ?? 0)), "ifIndex": .integer(Int64(row.index)),
            "ifMtu": .integer(Int64(row.mtu)), "ifName": .string(row.name),
            "ifOperStatus": .integer(Self.operStatus(row.operState)),
            "ifPhysAddress": row.macAddress.map(JSONValue.string) ?? .null, "ifSpeed": .integer(speedBits),
            "ifType": .null, "ipAddr": row.ipv4Address.map(JSONValue.string) ?? .null, "leaf": .bool(false),
            "url": .string(origin + uri),
            "uri": .string(uri), "resource_uri": .string(uri),
        ])
    }

    /// IF-MIB ifOperStatus from the kernel's RFC 2863 `operstate` name.
    static func operStatus(_ state: String) -> Int64 {
        switch state {
        case "up": 1
        case "down": 2
        case "testing": 3
        case "dormant": 5
        case "notpresent": 6
        case "lowerlayerdown": 7
        default: 4
        }
    }

    /// The row a single-interface lookup takes: of those in the window, the greatest end, then begin.
    static func pick(_ rows: [InterfaceLifeCycleRow], name: String, window: DeviceTimeWindow) -> InterfaceLifeCycleRow?
    {
        rows.filter { $0.name == name && window.admits(begin: $0.activeFrom, end: end($0)) }
            .max { (end($0), $0.activeFrom) < (end($1), $1.activeFrom) }
    }

    /// List order: device, name, then the newest row of a name first (so `[0]` is what a lookup picks).
    static func listOrder(_ a: InterfaceLifeCycleRow, _ b: InterfaceLifeCycleRow) -> Bool {
        if a.host != b.host { return a.host < b.host }
        if a.name != b.name { return a.name < b.name }
        return (end(a), a.activeFrom) > (end(b), b.activeFrom)
    }
}
