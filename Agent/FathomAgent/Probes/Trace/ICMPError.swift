/// pScheduler's `icmp-error` names for ICMP destination-unreachable codes.
///
/// ```swift
/// ICMPError.v4(code: 13)   // "communication-administratively-prohibited"
/// ```
public enum ICMPError {
    /// ICMPv4 type 3, codes 0–15 in order (pScheduler `jsonval.py` / `icmperror.py`).
    public static let v4Names = [
        "net-unreachable", "host-unreachable", "protocol-unreachable", "port-unreachable",
        "fragmentation-needed-and-df-set", "source-route-failed", "destination-network-unknown",
        "destination-host-unknown", "source-host-isolated",
        "destination-network-administratively-prohibited", "destination-host-administratively-prohibited",
        "network-unreachable-for-type-of-service", "icmp-destination-host-unreachable-tos",
        "communication-administratively-prohibited", "host-precedence-violation", "precedence-cutoff-in-effect",
    ]

    /// The name for an ICMPv4 unreachable code; codes past the table keep their number.
    public static func v4(code: UInt8) -> String {
        Int(code) < v4Names.count ? v4Names[Int(code)] : "icmp-unreachable-code-\(code)"
    }

    /// ICMPv6 type 1 codes mapped onto the same enum. pScheduler has no v6 table; this follows
    /// the closest v4 meaning (RFC 4443: 0 no route, 1 prohibited, 3 address unreachable,
    /// 5 source policy, 6 reject route).
    public static func v6(code: UInt8) -> String {
        switch code {
        case 0: "net-unreachable"
        case 1, 5: "communication-administratively-prohibited"
        case 6: "destination-network-administratively-prohibited"
        case 4: "port-unreachable"
        default: "host-unreachable"
        }
    }

    /// traceroute's short mark for an error name, for the readable summary.
    public static func mark(_ name: String) -> String {
        switch name {
        case "net-unreachable", "destination-network-unknown": "!N"
        case "host-unreachable", "destination-host-unknown": "!H"
        case "protocol-unreachable": "!P"
        case "fragmentation-needed-and-df-set": "!F"
        case "source-route-failed": "!S"
        case "communication-administratively-prohibited",
            "destination-network-administratively-prohibited",
            "destination-host-administratively-prohibited":
            "!X"
        default: "!<\(name)>"
        }
    }
}
