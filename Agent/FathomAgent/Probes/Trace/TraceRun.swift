/// Probes TTL by TTL (sequentially, so ICMP rate limits on routers and the destination do not
/// eat answers), stops when the destination answers or a hop reports unreachable, and resends a
/// smaller probe when the path MTU turns out smaller (tracepath's PMTU discovery). With
/// `hostnames` on, hop names are looked up once the last probe is done (bounded by the resolver's
/// deadline), so DNS never delays a probe or inflates an RTT.
///
/// ```swift
/// let report = TraceRun(parameters: try TraceParameters(dest: "127.0.0.1").validated()).run()
/// print(try report.result.jsonString())
/// ```
public struct TraceRun: Sendable {
    /// MTU answers are resent at the same TTL; a path can only shrink a few times, so a router
    /// that keeps answering "too big" must not loop forever.
    public static let maxMTUResends = 16
    /// Smallest packet IPv4 must carry (RFC 791); an MTU below it is a broken answer.
    static let minimumMTU = 68

    public let parameters: TraceParameters
    public let prober: any TraceProbing
    public let resolver: ReverseNameResolver

    /// A trace probing as `parameters.probeType` says (UDP, or ICMP echo with `CAP_NET_RAW`).
    public init(parameters: TraceParameters) {
        self.init(parameters: parameters, prober: parameters.probeType.makeProber())
    }

    /// A trace with a given prober (tests script the network with one) and name resolver.
    public init(parameters: TraceParameters, prober: any TraceProbing, resolver: ReverseNameResolver = ReverseNameResolver()) {
        self.parameters = parameters
        self.prober = prober
        self.resolver = resolver
    }

    /// Runs the trace; failures to run at all come back as a report with `failure` set.
    public func run() -> TraceReport {
        let dest: IPSocketAddress
        do {
            dest = try IPSocketAddress.resolve(parameters.dest, family: parameters.ipVersion)
        } catch {
            return TraceReport(dest: parameters.dest, address: nil, firstTTL: parameters.firstTTL, hops: [], failure: error)
        }
        do {
            var report = try trace(dest)
            if parameters.hostnames { report.hostnames = resolver.names(for: report.answeringAddresses) }
            return report
        } catch {
            return TraceReport(dest: parameters.dest, address: dest.host, firstTTL: parameters.firstTTL, hops: [], failure: error)
        }
    }

    private func trace(_ dest: IPSocketAddress) throws(TraceError) -> TraceReport {
        var mtu = try prober.initialMTU(to: dest)
        var port = parameters.firstPort
        var resends = 0
        var hops: [TraceReport.Hop] = []
        for ttl in parameters.firstTTL...parameters.hops {
            var hop = TraceReport.Hop(ttl: ttl, probes: [], mtu: mtu)
            while hop.probes.count < parameters.queries {
                let outcome = try prober.probe(
                    to: dest.with(port: UInt16(port)), ttl: ttl, packetSize: mtu, wait: parameters.wait)
                port += 1
                if case .mtuExceeded(let newMTU, _) = outcome.reply, newMTU >= Self.minimumMTU, newMTU < mtu,
                    resends < Self.maxMTUResends
                {
                    resends += 1
                    mtu = newMTU
                    hop.mtu = mtu
                    continue
                }
                if case .localError(let code) = outcome.reply { throw .socket(call: "send to \(dest.host)", errno: code) }
                hop.probes.append(outcome)
            }
            hops.append(hop)
            if hop.ends { break }
        }
        return TraceReport(dest: parameters.dest, address: dest.host, firstTTL: parameters.firstTTL, hops: hops, failure: nil)
    }
}
