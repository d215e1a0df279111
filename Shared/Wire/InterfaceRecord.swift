/// One network interface's counters and description at one sample: the record the agent spools and
/// `POST /interfaces` carries, one free-CSV line per interface per sample.
///
/// The line reuses sonar's free-CSV syntax (``FreeCSV``), so the quoting rules are the samples':
/// `v=1,time=1700000000,boot=1699990000,host=node1,if=eth0,index=2,oper=up,admin=up,speed=1000,`
/// `mtu=1500,mac=52:54:00:12:34:56,ip=192.0.2.10,rxb=…,txb=…,rxp=…,txp=…,rxe=…,txe=…,rxd=…,txd=…`
/// with `alias=` when the interface has one (`speed`, `mac` and `ip` only when known). `time` and `boot` are Unix seconds (`boot` is the kernel's `btime`:
/// a new value means the host rebooted and every counter restarted). Counters are decimal `UInt64`
/// (the kernel's `rtnl_link_stats64`), so no JSON number can round them.
///
/// ```swift
/// let line = record.line
/// let back = try InterfaceRecord(line: line[...])
/// ```
public struct InterfaceRecord: Sendable, Equatable {
    /// The format version written in `v`.
    public static let formatVersion = "1"

    /// The eight counters of `/sys/class/net/<if>/statistics`, in their kernel names' order.
    public struct Counters: Sendable, Equatable {
        public var rxBytes: UInt64 = 0
        public var txBytes: UInt64 = 0
        public var rxPackets: UInt64 = 0
        public var txPackets: UInt64 = 0
        public var rxErrors: UInt64 = 0
        public var txErrors: UInt64 = 0
        public var rxDropped: UInt64 = 0
        public var txDropped: UInt64 = 0

        public init() {}

        /// The counters with their short wire names, in wire order.
        public var named: [(String, UInt64)] {
            [
                ("rxb", rxBytes), ("txb", txBytes), ("rxp", rxPackets), ("txp", txPackets),
                ("rxe", rxErrors), ("txe", txErrors), ("rxd", rxDropped), ("txd", txDropped),
            ]
        }
    }

    /// Unix seconds of the sample (one value for every interface of a sample).
    public var time: Int64
    /// The host's boot time (`btime` of /proc/stat), Unix seconds; 0 when unknown.
    public var bootTime: Int64
    public var host: String
    /// The interface name (`/sys/class/net/<name>`): esmond's `ifName`.
    public var name: String
    /// `ifindex`; a new index under the same name means the interface was re-created.
    public var index: Int
    /// `operstate` as the kernel writes it (RFC 2863 names: up, down, unknown, dormant, …).
    public var operState: String
    /// Whether `IFF_UP` is set in `flags` (administratively up).
    public var adminUp: Bool
    /// `speed` in Mbit/s; nil when the kernel does not know it (down or virtual links).
    public var speedMbps: Int?
    public var mtu: Int
    /// `address`, lower-case colon hex; nil when empty.
    public var macAddress: String?
    /// `ifalias`; empty when unset.
    public var alias: String
    public var counters: Counters
    /// The interface's first IPv4 address (esmond's `ipAddr`); nil when it has none or it is unknown.
    public var ipv4Address: String?

    public init(
        time: Int64, bootTime: Int64, host: String, name: String, index: Int, operState: String, adminUp: Bool,
        speedMbps: Int?, mtu: Int, macAddress: String?, alias: String, counters: Counters
    ) {
        self.time = time
        self.bootTime = bootTime
        self.host = host
        self.name = name
        self.index = index
        self.operState = operState
        self.adminUp = adminUp
        self.speedMbps = speedMbps
        self.mtu = mtu
        self.macAddress = macAddress
        self.alias = alias
        self.counters = counters
    }

    /// The record's line, without the trailing newline.
    public var line: String {
        var fields: [(String, String)] = [
            ("v", Self.formatVersion), ("time", String(time)), ("boot", String(bootTime)), ("host", host),
            ("if", name), ("index", String(index)), ("oper", operState), ("admin", adminUp ? "up" : "down"),
        ]
        if let speedMbps { fields.append(("speed", String(speedMbps))) }
        fields.append(("mtu", String(mtu)))
        if let macAddress { fields.append(("mac", macAddress)) }
        if let ipv4Address { fields.append(("ip", ipv4Address)) }
        if !alias.isEmpty { fields.append(("alias", FreeCSV.replacingControlCharacters(alias))) }
        for (name, value) in counters.named { fields.append((name, String(value))) }
        return FreeCSV.line(fields)
    }

    /// Reads one line as ``line`` writes it; every required field must be present and well formed,
    /// unknown fields are refused (a newer agent's record is not half-read).
    public init(line: Substring) throws(InterfaceRecordError) {
        let fields: [FreeCSVField]
        do { fields = try FreeCSV.parse(line) } catch { throw InterfaceRecordError("\(error)") }
        var values: [String: String] = [:]
        for field in fields {
            guard Self.knownFields.contains(field.name) else {
                throw InterfaceRecordError("unknown field '\(field.name)'")
            }
            guard values.updateValue(field.value, forKey: field.name) == nil else {
                throw InterfaceRecordError("field '\(field.name)' given twice")
            }
        }
        func required(_ name: String) throws(InterfaceRecordError) -> String {
            guard let value = values[name] else { throw InterfaceRecordError("missing field '\(name)'") }
            return value
        }
        func number<T: FixedWidthInteger>(_ name: String, _ text: String) throws(InterfaceRecordError) -> T {
            guard let value = T(text), !text.hasPrefix("+") else {
                throw InterfaceRecordError("field '\(name)' is not an integer within \(T.min)...\(T.max)")
            }
            return value
        }
        guard try required("v") == Self.formatVersion else {
            throw InterfaceRecordError("unsupported record version '\(values["v"] ?? "")'")
        }
        time = try number("time", required("time"))
        guard time > 0 else { throw InterfaceRecordError("field 'time' must be positive") }
        bootTime = try number("boot", required("boot"))
        host = try required("host")
        name = try required("if")
        guard !host.isEmpty, !name.isEmpty else { throw InterfaceRecordError("empty host or interface name") }
        guard name.utf8.count <= 255 else { throw InterfaceRecordError("interface name longer than 255 bytes") }
        index = try number("index", required("index"))
        operState = try required("oper")
        switch try required("admin") {
        case "up": adminUp = true
        case "down": adminUp = false
        default: throw InterfaceRecordError("field 'admin' must be up or down")
        }
        speedMbps = try values["speed"].map { (text) throws(InterfaceRecordError) -> Int in try number("speed", text) }
        mtu = try number("mtu", required("mtu"))
        macAddress = values["mac"]
        ipv4Address = values["ip"]
        if let ip = ipv4Address, !Self.isDottedQuad(ip) {
            throw InterfaceRecordError("field 'ip' is not an IPv4 address")
        }
        alias = values["alias"] ?? ""
        var c = Counters()
        c.rxBytes = try number("rxb", required("rxb"))
        c.txBytes = try number("txb", required("txb"))
        c.rxPackets = try number("rxp", required("rxp"))
        c.txPackets = try number("txp", required("txp"))
        c.rxErrors = try number("rxe", required("rxe"))
        c.txErrors = try number("txe", required("txe"))
        c.rxDropped = try number("rxd", required("rxd"))
        c.txDropped = try number("txd", required("txd"))
        counters = c
    }

    /// `a.b.c.d`, each part a decimal 0…255 without a leading zero.
    static func isDottedQuad(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                part.count <= 3 && part.allSatisfy(\.isASCII) && Int(part).map { (0...255).contains($0) } == true
                    && (part == "0" || !part.hasPrefix("0"))
            }
    }

    static let knownFields: Set<String> = [
        "v", "time", "boot", "host", "if", "index", "oper", "admin", "speed", "mtu", "mac", "ip", "alias",
        "rxb", "txb", "rxp", "txp", "rxe", "txe", "rxd", "txd",
    ]
}
