/// A host that reported interface counters: esmond's "device".
public struct InterfaceDevice: Sendable, Equatable {
    public var cluster: String
    public var host: String
    /// Time of its first and newest interface sample (Unix seconds).
    public var firstSeen: Int64
    public var lastSeen: Int64

    public init(cluster: String, host: String, firstSeen: Int64, lastSeen: Int64) {
        self.cluster = cluster
        self.host = host
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
