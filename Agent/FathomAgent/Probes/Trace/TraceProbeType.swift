/// How a trace probes: pScheduler's `probe-type` (`udp` | `icmp`; pScheduler's `tcp` is not
/// implemented here).
///
/// `udp` needs no privilege (answers come back through the socket error queue); `icmp` sends
/// echo requests on a raw socket and needs `CAP_NET_RAW`. Without it a trace fails with
/// `TraceError.rawSocketNotPermitted` instead of quietly switching to UDP, so a result always
/// says what it measured.
///
/// ```swift
/// let type = try TraceProbeType(parsing: "icmp")
/// let parameters = try TraceParameters(dest: "10.20.3.2", probeType: type).validated()
/// ```
public enum TraceProbeType: String, Sendable, Equatable, CaseIterable {
    case udp
    case icmp

    /// The pScheduler spelling (`"udp"`, `"icmp"`), refused with a message naming `probe-type`
    /// when it is anything else.
    public init(parsing name: String) throws(TraceError) {
        guard let type = TraceProbeType(rawValue: name) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: " or ")
            throw .invalidParameter("probe-type must be \(known), got \"\(name)\"")
        }
        self = type
    }

    /// A prober sending this kind of probe.
    public func makeProber() -> any TraceProbing {
        switch self {
        case .udp: UDPProber()
        case .icmp: ICMPEchoProber()
        }
    }
}
