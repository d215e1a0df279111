/// Probes many TTLs at once, as traceroute does: up to `simultaneous` probes in flight, sent in
/// TTL order, each waiting at most `wait` but less once answers are in (traceroute's
/// `-w MAX,HERE,NEAR`: 3× an RTT seen at the probe's own TTL, 10× one seen further on), so a
/// silent hop ahead of answering ones, or a probe lost to an ICMP rate limit, costs milliseconds.
/// The trace stops at the destination (or a hop reporting unreachable) and after `silentHops`
/// TTLs in a row without any answer; hops come back in TTL order. A probe answered "too big"
/// is resent smaller (tracepath's PMTU discovery, from the interface MTU, whatever the kernel
/// cached). With `hostnames` and `asNumbers` on, hop names and origin ASes are looked up once the
/// last probe is done (each bounded by its resolver's deadline), so DNS never delays a probe or
/// inflates an RTT.
///
/// ```swift
/// let report = TraceRun(parameters: try TraceParameters(dest: "127.0.0.1").validated()).run()
/// print(try report.result.jsonString())
/// ```
public struct TraceRun: Sendable {
    /// A smaller MTU is learned at most this often; a path can only shrink a few times, so a
    /// router that keeps answering "too big" must not loop forever.
    public static let maxMTUResends = 16
    /// Smallest packet IPv4 must carry (RFC 791); an MTU below it is a broken answer.
    static let minimumMTU = 68
    /// Added to an RTT before it scales a wait, as traceroute does, so a microsecond RTT on a
    /// LAN still leaves the wait room for scheduling jitter.
    static let waitPrecision: Duration = .milliseconds(1)
    /// Before any answer, the send window opens fully after NEAR × this (as if the first hop
    /// answered in this long).
    static let firstRamp: Duration = .milliseconds(4)

    public let parameters: TraceParameters
    public let prober: any TraceProbing
    public let resolver: ReverseNameResolver
    public let asResolver: ASNumberResolver

    /// A trace probing as `parameters.probeType` says (UDP, or ICMP echo with `CAP_NET_RAW`).
    public init(parameters: TraceParameters) {
        self.init(parameters: parameters, prober: parameters.probeType.makeProber())
    }

    /// A trace with a given prober (tests script the network with one) and name resolvers.
    public init(
        parameters: TraceParameters, prober: any TraceProbing, resolver: ReverseNameResolver = ReverseNameResolver(),
        asResolver: ASNumberResolver = ASNumberResolver()
    ) {
        self.parameters = parameters
        self.prober = prober
        self.resolver = resolver
        self.asResolver = asResolver
    }

    /// Runs the trace; failures to run at all come back as a report with `failure` set.
    public func run() -> TraceReport {
        let start = ContinuousClock.now
        let dest: IPSocketAddress
        do {
            dest = try IPSocketAddress.resolve(parameters.dest, family: parameters.ipVersion)
        } catch {
            var report = TraceReport(
                dest: parameters.dest, address: nil, firstTTL: parameters.firstTTL, hops: [], failure: error)
            report.duration = start.duration(to: .now)
            return report
        }
        var report: TraceReport
        do {
            report = try trace(dest)
            let addresses = report.answeringAddresses
            // Both lookups at once: each is bounded by its own deadline, neither waits for the other.
            let origins = parameters.asNumbers ? asResolver.start(addresses) : nil
            if parameters.hostnames { report.hostnames = resolver.names(for: addresses) }
            if let origins { report.origins = origins.collect() }
        } catch {
            report = TraceReport(
                dest: parameters.dest, address: dest.host, firstTTL: parameters.firstTTL, hops: [], failure: error)
        }
        report.duration = start.duration(to: .now)
        return report
    }

    /// One probe slot: TTL `firstTTL + index / queries`, query `index % queries`.
    ///
    /// The trace keeps its state in a few arrays of its own structs and no dictionary, set,
    /// tuple array or key path: each distinct one costs a one-shot `fathom-agent trace` a
    /// metadata instantiation at run time, and together they were a good part of its start.
    private struct Slot {
        var ttl: Int
        /// Size of the probe that gave `outcome` (or of the last one sent).
        var size = 0
        var outcome: ProbeOutcome?
    }

    /// A probe in flight for a slot.
    private struct Flight {
        var slot: Int
        var probe: SentProbe
    }

    private func trace(_ dest: IPSocketAddress) throws(TraceError) -> TraceReport {
        let p = parameters
        let initialMTU = try prober.initialMTU(to: dest)
        var mtu = initialMTU
        var port = p.firstPort
        var learned = 0
        var slots = (0..<((p.hops - p.firstTTL + 1) * p.queries)).map { Slot(ttl: p.firstTTL + $0 / p.queries) }
        var inFlight: [Flight] = []
        defer { for entry in inFlight { prober.finish(entry.probe) } }
        var next = 0
        // The last TTL worth probing: the destination's (or an unreachable's) once one answers.
        var end = p.hops
        var lastAnswered = p.firstTTL - 1
        // When the last answer came and its RTT: the send window ramps from there (see below).
        var progressAt = ContinuousClock.now
        var lastRTT: Duration?
        var bound: Int { min(end, lastAnswered + p.silentHops) }

        // Settles slot `index` with `outcome`, or resends it smaller on a "too big".
        func record(_ index: Int, _ outcome: ProbeOutcome) throws(TraceError) {
            var outcome = outcome
            if case .mtuExceeded(let newMTU, _) = outcome.reply, newMTU >= Self.minimumMTU, newMTU < slots[index].size {
                if newMTU < mtu, learned < Self.maxMTUResends {
                    learned += 1
                    mtu = newMTU
                }
                // A probe sent before the smaller MTU was learned is resent at it, for free.
                if mtu < slots[index].size {
                    try launch(index)
                    return
                }
            }
            if case .localError(let code) = outcome.reply { throw .socket(call: "send to \(dest.host)", errno: code) }
            if case .reached(nil) = outcome.reply { outcome.reply = .reached(ip: dest.host) }
            slots[index].outcome = outcome
            guard outcome.reply != .timeout else { return }
            let ttl = slots[index].ttl
            if ttl > lastAnswered {
                lastAnswered = ttl
                progressAt = .now
                lastRTT = outcome.rtt
            }
            switch outcome.reply {
            case .reached, .unreachable: end = min(end, ttl)
            default: break
            }
        }

        func launch(_ index: Int) throws(TraceError) {
            guard port <= 65535 else { throw .invalidParameter("ran out of ports above first-port \(p.firstPort)") }
            slots[index].size = mtu
            let sent = try prober.send(to: dest.with(port: UInt16(port)), ttl: slots[index].ttl, packetSize: mtu)
            port += 1
            switch sent {
            case .inFlight(let probe): inFlight.append(Flight(slot: index, probe: probe))
            case .answered(let outcome): try record(index, outcome)
            }
        }

        while true {
            // Probes past the end, once known, are no longer wanted.
            inFlight.removeAll { entry in
                guard slots[entry.slot].ttl > bound else { return false }
                prober.finish(entry.probe)
                return true
            }
            // The window ramps: the next two TTLs past the last answer at once (a responsive path
            // then wastes at most one TTL's probes past its end, which matters where routers
            // rate-limit errors: Linux answers unreachable routes 5 at a time), every TTL up to
            // `silentHops` past it once no new answer came within NEAR × its RTT.
            let rampAt = progressAt.advanced(
                by: min(p.wait, (lastRTT ?? Self.firstRamp) + Self.waitPrecision) * max(p.waitNear, 1))
            let sendLimit = ContinuousClock.now >= rampAt ? bound : min(bound, lastAnswered + 2)
            while inFlight.count < p.simultaneous, next < slots.count, slots[next].ttl <= sendLimit {
                next += 1
                try launch(next - 1)
            }
            let more = next < slots.count && slots[next].ttl <= bound
            if inFlight.isEmpty && !more { break }
            // Expire what has waited long enough, then wait for the earliest remaining deadline.
            let now = ContinuousClock.now
            var earliest: ContinuousClock.Instant? = more && now < rampAt ? rampAt : nil
            var expired: [Int] = []
            let outcomes = slots.map { $0.outcome }
            for (position, entry) in inFlight.enumerated() {
                let deadline = entry.probe.sentAt.advanced(by: wait(for: entry.slot, outcomes))
                if deadline <= now {
                    expired.append(position)
                } else {
                    earliest = min(earliest ?? deadline, deadline)
                }
            }
            for position in expired.reversed() {
                let entry = inFlight.remove(at: position)
                prober.finish(entry.probe)
                slots[entry.slot].outcome = ProbeOutcome(reply: .timeout, rtt: nil)
            }
            guard let earliest else { continue }
            let answers = try prober.answers(for: inFlight.map { $0.probe }, until: earliest)
            // Settle in TTL order, so the destination's answer ends the trace before later TTLs resend.
            let answered = inFlight.indices.filter { answers[$0] != nil }.sorted {
                inFlight[$0].slot < inFlight[$1].slot
            }
            let entries = answered.map { inFlight[$0] }
            for position in answered.sorted(by: >) { inFlight.remove(at: position) }
            for (entry, position) in zip(entries, answered) {
                prober.finish(entry.probe)
                guard slots[entry.slot].ttl <= bound, let outcome = answers[position] else { continue }
                try record(entry.slot, outcome)
            }
        }
        return TraceReport(
            dest: p.dest, address: dest.host, firstTTL: p.firstTTL,
            hops: hops(slots, upTo: bound, initialMTU: initialMTU),
            failure: nil)
    }

    /// traceroute's wait for a probe: `waitHere` × the RTT of an answer at its TTL, else
    /// `waitNear` × the RTT of the first answer to a probe sent after it, never more than `wait`.
    public func wait(for slot: Int, _ outcomes: [ProbeOutcome?]) -> Duration {
        let p = parameters
        let first = slot - slot % p.queries
        if p.waitHere > 0 {
            for other in first..<min(first + p.queries, outcomes.count) where other != slot {
                if let rtt = outcomes[other]?.rtt { return min(p.wait, (rtt + Self.waitPrecision) * p.waitHere) }
            }
        }
        if p.waitNear > 0 {
            for other in (slot + 1)..<max(slot + 1, outcomes.count) {
                if let rtt = outcomes[other]?.rtt { return min(p.wait, (rtt + Self.waitPrecision) * p.waitNear) }
            }
        }
        return p.wait
    }

    /// One hop per TTL up to `last`, each with its queries in order. A hop's MTU is the size its
    /// probes went at, never above an earlier hop's: once learned, a PMTU is carried on.
    private func hops(_ slots: [Slot], upTo last: Int, initialMTU: Int) -> [TraceReport.Hop] {
        var hops: [TraceReport.Hop] = []
        var carried = initialMTU
        for ttl in parameters.firstTTL...max(parameters.firstTTL, min(last, parameters.hops)) {
            let mine = slots.filter { $0.ttl == ttl && $0.outcome != nil }
            guard !mine.isEmpty else { break }
            carried = min(carried, mine.map { $0.size }.min() ?? carried)
            hops.append(TraceReport.Hop(ttl: ttl, probes: mine.compactMap { $0.outcome }, mtu: carried))
        }
        return hops
    }
}
