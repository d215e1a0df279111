/// Sends probes and collects their answers: the single point where a trace touches the network,
/// so the trace logic (probes in flight, adaptive waits, stop rules, MTU resends) is tested with
/// a fake.
///
/// A trace keeps several probes in flight: `send` returns at once, `answers` waits for any of
/// the probes still out, `finish` releases one (answered, timed out or no longer wanted).
///
/// ```swift
/// let mtu = try prober.initialMTU(to: dest)
/// if case .inFlight(let probe) = try prober.send(to: dest, ttl: 1, packetSize: mtu) {
///     let answers = try prober.answers(for: [probe], until: .now + .seconds(1))
///     prober.finish(probe)
/// }
/// ```
public protocol TraceProbing: Sendable {
    /// The MTU of the interface toward `dest`, never a path MTU the kernel cached from an
    /// earlier discovery: the trace finds the path MTU itself, hop by hop.
    func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int
    /// Sends one probe of `packetSize` bytes (IP header included) with `ttl`; an answer known
    /// without the network (a local "too big") comes back at once.
    func send(to dest: IPSocketAddress, ttl: Int, packetSize: Int) throws(TraceError) -> ProbeSend
    /// Blocks until at least one of `probes` is answered or `deadline` passes; each probe's answer
    /// at its index in `probes`, nil where none came (all nil at the deadline).
    func answers(for probes: [SentProbe], until deadline: ContinuousClock.Instant) throws(TraceError)
        -> [ProbeOutcome?]
    /// Releases a probe's resources; a late answer to it is then never read.
    func finish(_ probe: SentProbe)
}

extension TraceProbing {
    /// One probe on its own, waiting at most `wait`: `send`, `answers`, `finish`.
    public func probe(to dest: IPSocketAddress, ttl: Int, packetSize: Int, wait: Duration) throws(TraceError)
        -> ProbeOutcome
    {
        let probe: SentProbe
        switch try send(to: dest, ttl: ttl, packetSize: packetSize) {
        case .answered(let outcome): return outcome
        case .inFlight(let sent): probe = sent
        }
        defer { finish(probe) }
        let deadline = probe.sentAt.advanced(by: wait)
        while ContinuousClock.now < deadline {
            if let outcome = try answers(for: [probe], until: deadline)[0] { return outcome }
        }
        return ProbeOutcome(reply: .timeout, rtt: nil)
    }
}

/// A probe on its way: the socket its answer arrives on, what identifies it there, and when it
/// left (RTTs are measured from here).
///
/// ```swift
/// let probe = SentProbe(socket: fd, sequence: 7, sentAt: .now)
/// ```
public struct SentProbe: Sendable, Equatable {
    /// The probe's own socket (a fake prober may use any number).
    public var socket: Int32
    /// ICMP echo sequence number; 0 for UDP probes, which their socket alone identifies.
    public var sequence: UInt16
    public var sentAt: ContinuousClock.Instant

    public init(socket: Int32, sequence: UInt16 = 0, sentAt: ContinuousClock.Instant) {
        self.socket = socket
        self.sequence = sequence
        self.sentAt = sentAt
    }
}

/// What `TraceProbing.send` did: a probe now in flight, or an answer known locally at once.
///
/// ```swift
/// if case .answered(let outcome) = try prober.send(to: dest, ttl: 1, packetSize: 9000) { print(outcome.reply) }
/// ```
public enum ProbeSend: Sendable, Equatable {
    case inFlight(SentProbe)
    case answered(ProbeOutcome)
}
