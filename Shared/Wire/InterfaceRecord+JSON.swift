/// The record as one JSON object, for `fathom-agent interfaces --json` and people reading it:
/// `{"time":…,"boot":…,"host":…,"if":"eth0","index":2,"oper":"up","admin":"up","speed":1000,
/// "mtu":1500,"mac":…,"alias":…,"rx_bytes":…,…}` with the kernel's counter names. Counters past
/// `Int64.max` (never seen outside a wrap) are written as floats.
extension InterfaceRecord {
    public var json: JSONValue {
        func counter(_ value: UInt64) -> JSONValue {
            Int64(exactly: value).map(JSONValue.integer) ?? .number(Double(value))
        }
        let c = counters
        return .object([
            "time": .integer(time), "boot": .integer(bootTime), "host": .string(host), "if": .string(name),
            "index": .integer(Int64(index)), "oper": .string(operState), "admin": .string(adminUp ? "up" : "down"),
            "speed": speedMbps.map { .integer(Int64($0)) } ?? .null, "mtu": .integer(Int64(mtu)),
            "mac": macAddress.map(JSONValue.string) ?? .null, "ip": ipv4Address.map(JSONValue.string) ?? .null,
            "alias": .string(alias),
            "rx_bytes": counter(c.rxBytes), "tx_bytes": counter(c.txBytes),
            "rx_packets": counter(c.rxPackets), "tx_packets": counter(c.txPackets),
            "rx_errors": counter(c.rxErrors), "tx_errors": counter(c.txErrors),
            "rx_dropped": counter(c.rxDropped), "tx_dropped": counter(c.txDropped),
        ])
    }
}
