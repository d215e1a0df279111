/// The six interface data series esmond's `snmp` client asks for, with the OIDSet and IF-MIB name
/// esmond maps each to (`/v2/oidsetmap/`) and the rate each reads.
public enum DeviceEndpoint: String, Sendable, CaseIterable {
    case discardIn = "discard/in"
    case errorIn = "error/in"
    case discardOut = "discard/out"
    case errorOut = "error/out"
    case trafficIn = "in"
    case trafficOut = "out"

    /// esmond lists children by OIDSet name, then OID name: this order.
    public static let childOrder: [DeviceEndpoint] = [
        .discardIn, .errorIn, .discardOut, .errorOut, .trafficIn, .trafficOut,
    ]

    public var oidset: String {
        switch self {
        case .trafficIn, .trafficOut: "FastPollHC"
        default: "Errors"
        }
    }

    public var oidName: String {
        switch self {
        case .trafficIn: "ifHCInOctets"
        case .trafficOut: "ifHCOutOctets"
        case .errorIn: "ifInErrors"
        case .errorOut: "ifOutErrors"
        case .discardIn: "ifInDiscards"
        case .discardOut: "ifOutDiscards"
        }
    }

    /// Bytes/s for traffic, packets/s for errors and discards.
    public func rate(_ step: InterfaceRateStep) -> Double? {
        switch self {
        case .trafficIn: step.rxBytes
        case .trafficOut: step.txBytes
        case .errorIn: step.rxErrors
        case .errorOut: step.txErrors
        case .discardIn: step.rxDropped
        case .discardOut: step.txDropped
        }
    }

    /// The OIDSets every Fathom device carries, sorted (`/v2/oidset/`, a device's `oidsets`).
    public static let oidsets = ["Errors", "FastPollHC", "IfRefPoll"]

    /// `/v2/oidsetmap/`: `{oidset: {alias: oid}}` for the OIDSets with endpoints.
    public static var oidsetMap: [String: [String: String]] {
        var map: [String: [String: String]] = [:]
        for endpoint in allCases { map[endpoint.oidset, default: [:]][endpoint.rawValue] = endpoint.oidName }
        return map
    }
}
