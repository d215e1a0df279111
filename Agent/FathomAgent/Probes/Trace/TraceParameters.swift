/// What one trace does, with pScheduler's names and defaults where they exist
/// (`hops` 30, `wait` PT5S, `probe-type` udp, UDP ports 33434+ like traceroute) and traceroute's
/// where pScheduler has none: 3 queries per hop, 16 probes in flight (`-N 16`), a probe's wait cut
/// to 3× an RTT already seen at its TTL or 10× one seen further on (`-w 5,3,10`).
///
/// `hostnames` and `asNumbers` default to false here (no DNS traffic unless asked for);
/// pScheduler's defaults are true, so a pScheduler spec without the keys maps to true.
///
/// ```swift
/// let parameters = try TraceParameters(dest: "10.20.3.2", hops: 8, queries: 1).validated()
/// let icmp = try TraceParameters(dest: "10.20.3.2", probeType: .icmp, hostnames: true).validated()
/// ```
public struct TraceParameters: Sendable, Equatable {
    public var dest: String
    /// First TTL probed.
    public var firstTTL: Int
    /// Last TTL probed (pScheduler `hops`).
    public var hops: Int
    /// Probes per TTL; the result keeps the first that answered (pScheduler has one hop per TTL).
    public var queries: Int
    /// The longest a probe waits for its answer (pScheduler `wait`; traceroute's `-w MAX`).
    public var wait: Duration
    /// A probe waits at most this many times the RTT of an answer at its own TTL (traceroute's
    /// `-w …,HERE,…`); 0 turns the rule off.
    public var waitHere: Double
    /// … or this many times the RTT of the first answer from a probe sent after it (a later TTL,
    /// traceroute's `-w …,…,NEAR`), so a silent hop ahead of answering ones costs milliseconds.
    public var waitNear: Double
    /// Probes out at once (traceroute's `-N`); 1 probes strictly one after another.
    public var simultaneous: Int
    /// The trace stops after this many consecutive TTLs without any answer: nothing beyond is
    /// probed (a silent destination costs one wait, not one per remaining TTL).
    public var silentHops: Int
    /// Destination port of the first probe; each later probe uses the next port.
    public var firstPort: Int
    /// Force IPv4 (4) or IPv6 (6); nil follows the name.
    public var ipVersion: Int?
    /// UDP (unprivileged) or ICMP echo (needs `CAP_NET_RAW`); pScheduler `probe-type`.
    public var probeType: TraceProbeType
    /// Look up each hop's reverse name after the trace (pScheduler `hostnames`), bounded by
    /// `ReverseNameResolver.defaultDeadline`.
    public var hostnames: Bool
    /// Look up each hop's origin AS after the trace (pScheduler `as`), bounded by
    /// `ASNumberResolver.defaultDeadline`.
    public var asNumbers: Bool

    public init(
        dest: String, firstTTL: Int = 1, hops: Int = 30, queries: Int = 3, wait: Duration = .seconds(5),
        firstPort: Int = 33434, ipVersion: Int? = nil, probeType: TraceProbeType = .udp, hostnames: Bool = false,
        asNumbers: Bool = false, waitHere: Double = 3, waitNear: Double = 10, simultaneous: Int = 16,
        silentHops: Int = 5
    ) {
        self.dest = dest
        self.firstTTL = firstTTL
        self.hops = hops
        self.queries = queries
        self.wait = wait
        self.firstPort = firstPort
        self.ipVersion = ipVersion
        self.probeType = probeType
        self.hostnames = hostnames
        self.asNumbers = asNumbers
        self.waitHere = waitHere
        self.waitNear = waitNear
        self.simultaneous = simultaneous
        self.silentHops = silentHops
    }

    /// Limits: TTL is one byte; every probe needs its own port below 65536; a wait must be
    /// positive (every wait has a timeout) and short enough that a silent path ends in minutes.
    public static let maxHops = 255
    public static let maxQueries = 10
    public static let maxWait: Duration = .seconds(60)
    /// Each probe in flight holds a socket; traceroute caps `-N` at its own limits too.
    public static let maxSimultaneous = 64

    /// The parameters, or the first rule they break.
    public func validated() throws(TraceError) -> TraceParameters {
        if dest.isEmpty { throw .invalidParameter("dest is empty") }
        if !(1...Self.maxHops).contains(hops) { throw .invalidParameter("hops must be 1…\(Self.maxHops), got \(hops)") }
        if !(1...hops).contains(firstTTL) {
            throw .invalidParameter("first-ttl must be 1…hops (\(hops)), got \(firstTTL)")
        }
        if !(1...Self.maxQueries).contains(queries) {
            throw .invalidParameter("queries must be 1…\(Self.maxQueries), got \(queries)")
        }
        if wait <= .zero || wait > Self.maxWait { throw .invalidParameter("wait must be > 0 and ≤ 60 s, got \(wait)") }
        if !(waitHere >= 0 && waitHere <= 1000) || !(waitNear >= 0 && waitNear <= 1000) {
            throw .invalidParameter("wait factors must be 0…1000, got \(waitHere),\(waitNear)")
        }
        if !(1...Self.maxSimultaneous).contains(simultaneous) {
            throw .invalidParameter("simultaneous must be 1…\(Self.maxSimultaneous), got \(simultaneous)")
        }
        if !(1...Self.maxHops).contains(silentHops) {
            throw .invalidParameter("silent-hops must be 1…\(Self.maxHops), got \(silentHops)")
        }
        // Each probe (MTU resends included) takes the next port; leave room for all of them. A
        // smaller MTU learned resends every probe then in flight that was larger.
        let probes = (hops - firstTTL + 1) * queries + TraceRun.maxMTUResends * (simultaneous + 1)
        if firstPort < 1 || firstPort + probes > 65535 {
            throw .invalidParameter("first-port must be 1…\(65535 - probes) for \(probes) probes, got \(firstPort)")
        }
        if let version = ipVersion, version != 4 && version != 6 {
            throw .invalidParameter("ip-version must be 4 or 6, got \(version)")
        }
        return self
    }
}
