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

/// Sends one probe and waits for its answer: the single point where a trace touches the network,
/// so the trace logic (stop rules, MTU resends, shaping) is tested with a fake.
public protocol TraceProbing: Sendable {
    /// The path MTU the host knows for `dest` before any probe (interface or cached PMTU).
    func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int
    /// One probe of `packetSize` bytes (IP header included) with `ttl`, waiting at most `wait`.
    func probe(to dest: IPSocketAddress, ttl: Int, packetSize: Int, wait: Duration) throws(TraceError) -> ProbeOutcome
}
