/// Everything a trace saw, every query kept; shaped into pScheduler's result (`result`) or a
/// readable summary (`summary`).
///
/// ```swift
/// let report = TraceRun(parameters: parameters).run()
/// print(report.summary)
/// ```
public struct TraceReport: Sendable, Equatable {
    /// The answers at one TTL.
    public struct Hop: Sendable, Equatable {
        public var ttl: Int
        public var probes: [ProbeOutcome]
        /// Path MTU in effect for this TTL's probes.
        public var mtu: Int

        public init(ttl: Int, probes: [ProbeOutcome], mtu: Int) {
            self.ttl = ttl
            self.probes = probes
            self.mtu = mtu
        }

        /// The first probe that got an answer: pScheduler keeps one address and RTT per TTL.
        public var firstAnswer: ProbeOutcome? { probes.first { $0.reply != .timeout } }

        /// Whether the destination answered at this TTL.
        public var reached: Bool { probes.contains { if case .reached = $0.reply { true } else { false } } }

        /// The unreachable error at this TTL, if any.
        public var error: String? {
            for probe in probes { if case .unreachable(_, let error) = probe.reply { return error } }
            return nil
        }

        /// The trace stops after a TTL that reached the destination or reported unreachable.
        var ends: Bool { reached || error != nil }
    }

    /// The name as given.
    public var dest: String
    /// The address it resolved to.
    public var address: String?
    public var firstTTL: Int
    public var hops: [Hop]
    /// Why the trace could not run, if it could not.
    public var failure: TraceError?
    /// Reverse names of hop addresses that have one (filled after the trace when `hostnames` is on).
    public var hostnames: [String: String]
    /// Origin ASes of hop addresses that have one (filled after the trace when `asNumbers` is on).
    public var origins: [String: ASNumber] = [:]
    /// How long the run took, probes and lookups included (nil until it has run).
    public var duration: Duration?

    public init(
        dest: String, address: String?, firstTTL: Int, hops: [Hop], failure: TraceError?,
        hostnames: [String: String] = [:]
    ) {
        self.dest = dest
        self.address = address
        self.firstTTL = firstTTL
        self.hops = hops
        self.failure = failure
        self.hostnames = hostnames
    }

    /// Every distinct address that answered a probe, in the order they first answered.
    public var answeringAddresses: [String] {
        var seen: [String] = []
        for hop in hops {
            for probe in hop.probes {
                if let ip = Self.address(of: probe.reply), !seen.contains(ip) { seen.append(ip) }
            }
        }
        return seen
    }

    /// Whether the last hop is the destination.
    public var reached: Bool { hops.last?.reached ?? false }

    /// pScheduler's trace result: one path, one hop per TTL, `{}` for a silent TTL.
    public var result: TraceResult {
        if let failure { return .failure(failure.description) }
        let path = hops.map { hop -> TraceHop in
            guard let answer = hop.firstAnswer else { return TraceHop() }
            let ip = Self.address(of: answer.reply)
            return TraceHop(
                ip: ip, hostname: ip.flatMap { hostnames[$0] }, rtt: answer.rtt, asNumber: ip.flatMap { origins[$0] },
                error: hop.error, mtu: hop.mtu)
        }
        return TraceResult(paths: [path])
    }

    /// A traceroute-like listing: one line per TTL with every query; `name (address)` where a
    /// reverse name is known.
    public var summary: String {
        if let failure { return "trace to \(dest) failed: \(failure)\n" }
        var out = "trace to \(dest) (\(address ?? "?")), \(hops.count) hop\(hops.count == 1 ? "" : "s")\n"
        for hop in hops {
            var line = (hop.ttl < 10 ? " " : "") + "\(hop.ttl)"
            var lastIP: String?
            for probe in hop.probes {
                guard let rtt = probe.rtt else {
                    line += "  *"
                    continue
                }
                if let ip = Self.address(of: probe.reply), ip != lastIP {
                    line += hostnames[ip].map { "  \($0) (\(ip))" } ?? "  \(ip)"
                    if let origin = origins[ip] { line += " [AS\(origin.number)]" }
                    lastIP = ip
                }
                line += "  \(Self.milliseconds(rtt)) ms"
                if case .unreachable(_, let error) = probe.reply { line += " \(ICMPError.mark(error))" }
            }
            line += "  pmtu \(hop.mtu)"
            if hop.reached { line += "  reached" }
            out += line + "\n"
        }
        if !reached { out += "destination not reached\n" }
        if let duration { out += "took \(Self.milliseconds(duration)) ms\n" }
        return out
    }

    static func address(of reply: ProbeReply) -> String? {
        switch reply {
        case .hop(let ip), .reached(let ip), .unreachable(let ip, _): ip
        case .mtuExceeded(_, let ip): ip
        case .timeout, .localError: nil
        }
    }

    /// Milliseconds with three decimals, as traceroute prints them.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
