import FathomShared

/// The kernel's table of network links in one read (rtnetlink's link dump), the cheap way to
/// sample many interfaces: one request answers for every link with its counters, where /sys
/// costs about fifteen file reads per interface. Part of the agent's host-access seam; the
/// interface sampler falls back to /sys (``SysFS``) when the table cannot be read.
///
/// ```swift
/// let links = NetlinkLinkTable().links()   // [LinkEntry(name: "lo", index: 1, …), …] or nil
/// ```
public protocol LinkTable: Sendable {
    /// Every link of the agent's network namespace, or nil when the table cannot be read.
    func links() -> [LinkEntry]?
}

/// One link as the link table reports it: what ``InterfaceRecord`` needs but the speed, which only
/// /sys (ethtool) knows.
public struct LinkEntry: Sendable, Equatable {
    public var name: String
    public var index: Int
    /// `ifi_flags`; bit 0 is `IFF_UP`.
    public var flags: UInt32
    /// RFC 2863 name of `IFLA_OPERSTATE`, as /sys/class/net/<if>/operstate writes it.
    public var operState: String
    public var mtu: Int
    /// Lower-case colon hex; nil when the link has no address.
    public var address: String?
    public var alias: String
    public var counters: InterfaceRecord.Counters
    /// The link's first IPv4 address (from the address dump); nil when it has none.
    public var ipv4Address: String?

    public init(
        name: String, index: Int, flags: UInt32, operState: String, mtu: Int, address: String?, alias: String,
        counters: InterfaceRecord.Counters
    ) {
        self.name = name
        self.index = index
        self.flags = flags
        self.operState = operState
        self.mtu = mtu
        self.address = address
        self.alias = alias
        self.counters = counters
    }
}
