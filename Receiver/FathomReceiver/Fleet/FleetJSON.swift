/// `/fleet.json`'s body, written straight into bytes: the same document `JSONEncoder` with
/// `.sortedKeys` makes of a `FleetView` (keys sorted, absent optionals left out, `/` escaped as
/// `\/`), at a fraction of its cost for 10,000 hosts (the encoder boxes every value).
///
/// ```swift
/// let body: [UInt8] = FleetJSON.encode(registry.view(now: now) { _ in true })
/// ```
enum FleetJSON {
    static func encode(_ view: FleetView) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + view.clusters.reduce(0) { $0 + 300 * $1.hosts.count })
        out += #"{"clusters":["#.utf8
        for (n, cluster) in view.clusters.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"hosts":["#.utf8
            for (k, host) in cluster.hosts.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                append(host, to: &out)
            }
            out += #"],"late":"#.utf8
            out += String(cluster.late).utf8
            out += #","name":"#.utf8
            string(cluster.name, to: &out)
            out += #","online":"#.utf8
            out += String(cluster.online).utf8
            out += #","silent":"#.utf8
            out += String(cluster.silent).utf8
            out.append(UInt8(ascii: "}"))
        }
        out += #"],"generatedAt":"#.utf8
        string(view.generatedAt, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// One host's object, its keys in sorted order.
    private static func append(_ h: FleetView.Host, to out: inout [UInt8]) {
        var first = true
        func key(_ name: String) {
            out += (first ? "{\"" : ",\"").utf8
            first = false
            out += name.utf8
            out += "\":".utf8
        }
        key("ageSeconds")
        out += String(h.ageSeconds).utf8
        if let v = h.agentVersion {
            key("agentVersion")
            string(v, to: &out)
        }
        if let v = h.backlogBatches {
            key("backlogBatches")
            out += String(v).utf8
        }
        if let v = h.backlogBytes {
            key("backlogBytes")
            out += String(v).utf8
        }
        key("cadenceSeconds")
        out += String(h.cadenceSeconds).utf8
        key("cadenceSource")
        string(h.cadenceSource.rawValue, to: &out)
        if let v = h.cores {
            key("cores")
            out += String(v).utf8
        }
        if let v = h.gpus {
            key("gpus")
            out += String(v).utf8
        }
        key("host")
        string(h.host, to: &out)
        if let v = h.lastSample {
            key("lastSample")
            string(v, to: &out)
        }
        key("lastUpload")
        string(h.lastUpload, to: &out)
        if let v = h.memoryGB {
            key("memoryGB")
            out += String(v).utf8
        }
        key("state")
        string(h.state.rawValue, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON string as `JSONEncoder` writes it: `"` `\` and `/` escaped, control characters as
    /// `\b \f \n \r \t` or `\u00XX`, everything else (UTF-8 included) as it is.
    static func string(_ text: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "/"): out += #"\/"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case 0..<0x20:
                out += #"\u00"#.utf8
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
