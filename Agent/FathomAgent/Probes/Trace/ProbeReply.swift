/// What came back for one probe.
///
/// ```swift
/// switch reply { case .reached(let ip): print("at \(ip ?? "?")") default: break }
/// ```
public enum ProbeReply: Sendable, Equatable {
    /// ICMP time exceeded: an intermediate hop.
    case hop(ip: String?)
    /// The destination answered: port unreachable (or data) for a UDP probe, echo reply for an
    /// ICMP probe. The trace is done.
    case reached(ip: String?)
    /// Any other unreachable: the path ends here with an error (`ICMPError` names).
    case unreachable(ip: String?, error: String)
    /// Fragmentation needed / packet too big (from a router, or locally): resend smaller.
    case mtuExceeded(mtu: Int, from: String?)
    /// Nothing within the wait.
    case timeout
    /// The probe could not be sent or the error queue held something else.
    case localError(errno: Int32)
}

/// One probe's outcome with its round-trip time (nil on timeout).
public struct ProbeOutcome: Sendable, Equatable {
    public var reply: ProbeReply
    public var rtt: Duration?

    public init(reply: ProbeReply, rtt: Duration?) {
        self.reply = reply
        self.rtt = rtt
    }
}
