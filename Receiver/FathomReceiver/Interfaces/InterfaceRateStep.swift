/// The per-second rates of one interface over one step between two consecutive samples: bytes/s
/// for traffic, packets/s for errors and discards (esmond's units). A counter whose step was a
/// reset (reboot, re-created interface, a drop no wrap explains) has no rate: nil, never negative.
public struct InterfaceRateStep: Sendable, Equatable {
    /// End of the step (the newer sample's time) and its length, in seconds.
    public var time: Int64
    public var seconds: Int64
    public var rxBytes: Double?
    public var txBytes: Double?
    public var rxErrors: Double?
    public var txErrors: Double?
    public var rxDropped: Double?
    public var txDropped: Double?

    public init(
        time: Int64, seconds: Int64, rxBytes: Double?, txBytes: Double?, rxErrors: Double?, txErrors: Double?,
        rxDropped: Double?, txDropped: Double?
    ) {
        self.time = time
        self.seconds = seconds
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.rxErrors = rxErrors
        self.txErrors = txErrors
        self.rxDropped = rxDropped
        self.txDropped = txDropped
    }
}
