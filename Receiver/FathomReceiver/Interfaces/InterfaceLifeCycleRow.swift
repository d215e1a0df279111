/// One row of the interface life-cycle table: one stretch of one interface's life on one host.
///
/// `activeUntil` is nil while the host still reports the interface; it is set to the time of the
/// host's first sample without it (or with the same name under a new index: re-created), and the
/// interface's return opens a new row. The `…Until` marks are the end of the newest stored data of
/// each counter group, advanced in the transaction that stored it.
public struct InterfaceLifeCycleRow: Sendable, Equatable {
    public var id: Int64
    public var cluster: String
    public var host: String
    public var name: String
    public var index: Int
    public var activeFrom: Int64
    public var activeUntil: Int64?
    public var trafficUntil: Int64?
    public var errorsUntil: Int64?
    public var discardsUntil: Int64?
    /// The newest description the agent reported (esmond's IfRef fields).
    public var operState: String
    public var adminUp: Bool
    public var speedMbps: Int?
    public var mtu: Int
    public var macAddress: String?
    public var alias: String
    /// The newest IPv4 address the agent reported (esmond's `ipAddr`).
    public var ipv4Address: String?

    public init(
        id: Int64, cluster: String, host: String, name: String, index: Int, activeFrom: Int64, activeUntil: Int64?,
        trafficUntil: Int64?, errorsUntil: Int64?, discardsUntil: Int64?, operState: String, adminUp: Bool,
        speedMbps: Int?, mtu: Int, macAddress: String?, alias: String
    ) {
        self.id = id
        self.cluster = cluster
        self.host = host
        self.name = name
        self.index = index
        self.activeFrom = activeFrom
        self.activeUntil = activeUntil
        self.trafficUntil = trafficUntil
        self.errorsUntil = errorsUntil
        self.discardsUntil = discardsUntil
        self.operState = operState
        self.adminUp = adminUp
        self.speedMbps = speedMbps
        self.mtu = mtu
        self.macAddress = macAddress
        self.alias = alias
    }
}
