import FathomAgent
import Glibc

/// `fathom-agent trace DEST`: one trace (unprivileged UDP, or ICMP echo with `CAP_NET_RAW`),
/// printed readably or as pScheduler JSON, hop names looked up after the last probe.
///
/// Synchronous on purpose: the probes block in `poll`, which must not happen on the async pool.
struct TraceCommand: BlockingSubcommand {
    static let dest = PositionalArgument("dest", help: "Destination name or address.")
    static let json = FlagOption("json", help: "Print the pScheduler-shaped trace result as JSON.")
    static let maxHops = DefaultedOption("max-hops", default: 30, help: "Highest TTL to probe (pScheduler hops).")
    static let firstTTL = DefaultedOption("first-ttl", default: 1, help: "First TTL to probe.")
    static let queries = DefaultedOption("queries", default: 3, help: "Probes per TTL.")
    static let timeout = DefaultedOption(
        "timeout", default: 5.0, help: "Seconds a probe waits for its answer at most (traceroute -w MAX).")
    static let waitHere = DefaultedOption(
        "wait-here", default: 3.0,
        help: "A probe waits at most this many times an RTT seen at its TTL (traceroute -w HERE; 0: off).")
    static let waitNear = DefaultedOption(
        "wait-near", default: 10.0,
        help: "… or this many times the RTT of a later probe's answer (traceroute -w NEAR; 0: off).")
    static let simultaneous = DefaultedOption(
        "simultaneous", default: 16, help: "Probes in flight at once (traceroute -N).")
    static let silentHops = DefaultedOption(
        "silent-hops", default: 5, help: "Stop after this many consecutive TTLs without an answer.")
    static let firstPort = DefaultedOption(
        "first-port", default: 33434, help: "UDP destination port of the first probe; later probes use the next ports.")
    static let probeType = DefaultedOption(
        "probe-type", default: "udp",
        help: "Probe with udp (unprivileged) or icmp echo (needs CAP_NET_RAW); pScheduler probe-type.")
    static let hostnames = FlagOption(
        "hostnames", invertible: true, default: true, help: "Look up hop names after the trace (pScheduler hostnames).")
    static let asNumbers = FlagOption(
        "as", invertible: true, default: true, help: "Look up hop origin ASes after the trace (pScheduler as).")
    static let asOriginZone = DefaultedOption(
        "as-origin-zone", default: "origin.asn.cymru.com", help: "TXT zone of the IPv4 origin service.")
    static let asOrigin6Zone = DefaultedOption(
        "as-origin6-zone", default: "origin6.asn.cymru.com", help: "TXT zone of the IPv6 origin service.")
    static let asOwnerZone = DefaultedOption(
        "as-owner-zone", default: "asn.cymru.com", help: "TXT zone of AS owner names (AS<n>.ZONE).")
    static let asServer = ValueOption<String>(
        "as-server",
        help: "Name server for AS lookups, ADDRESS or ADDRESS:PORT for IPv4 (default: first of /etc/resolv.conf).")
    static let asAnyAddress = FlagOption(
        "as-any-address",
        help: "Ask the AS service about every hop address, private and loopback ones too (default: global only).")
    static let ipv4 = FlagOption(nil, short: "4", help: "Use IPv4.")
    static let ipv6 = FlagOption(nil, short: "6", help: "Use IPv6.")

    static let name = "trace"
    static let spec = CommandSpec(
        name: name,
        abstract: "Trace the path to DEST with UDP probes (unprivileged) or ICMP echo (CAP_NET_RAW), IPv4 and IPv6.",
        discussion: """
            --probe-type icmp needs CAP_NET_RAW (root, or setcap cap_net_raw+ep); without it the trace \
            fails with an error saying so rather than falling back to UDP. Hop names are looked up after \
            the trace, at most \(ReverseNameResolver.defaultDeadline.components.seconds) s in all.
            Exit status: 0 when the destination answered, 1 when it did not, 2 when the trace could not run.
            """,
        arguments: [dest],
        options: [
            json.spec, maxHops.spec, firstTTL.spec, queries.spec, timeout.spec, waitHere.spec, waitNear.spec,
            simultaneous.spec, silentHops.spec, firstPort.spec,
            probeType.spec, hostnames.spec, asNumbers.spec, asOriginZone.spec, asOrigin6Zone.spec, asOwnerZone.spec,
            asServer.spec, asAnyAddress.spec, ipv4.spec,
            ipv6.spec,
        ])

    let dest: String
    let json: Bool
    let maxHops: Int
    let firstTTL: Int
    let queries: Int
    let timeout: Double
    let waitHere: Double
    let waitNear: Double
    let simultaneous: Int
    let silentHops: Int
    let firstPort: Int
    let probeType: String
    let hostnames: Bool
    let asNumbers: Bool
    let asOriginZone: String
    let asOrigin6Zone: String
    let asOwnerZone: String
    let asServer: String?
    let asAnyAddress: Bool
    let ipv4: Bool
    let ipv6: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        dest = parsed.argument(Self.dest)
        json = parsed.flag(Self.json)
        maxHops = try parsed.value(Self.maxHops)
        firstTTL = try parsed.value(Self.firstTTL)
        queries = try parsed.value(Self.queries)
        timeout = try parsed.value(Self.timeout)
        waitHere = try parsed.value(Self.waitHere)
        waitNear = try parsed.value(Self.waitNear)
        simultaneous = try parsed.value(Self.simultaneous)
        silentHops = try parsed.value(Self.silentHops)
        firstPort = try parsed.value(Self.firstPort)
        probeType = try parsed.value(Self.probeType)
        hostnames = parsed.flag(Self.hostnames)
        asNumbers = parsed.flag(Self.asNumbers)
        asOriginZone = try parsed.value(Self.asOriginZone)
        asOrigin6Zone = try parsed.value(Self.asOrigin6Zone)
        asOwnerZone = try parsed.value(Self.asOwnerZone)
        asServer = try parsed.value(Self.asServer)
        asAnyAddress = parsed.flag(Self.asAnyAddress)
        ipv4 = parsed.flag(Self.ipv4)
        ipv6 = parsed.flag(Self.ipv6)
    }

    func run() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw CommandLineError("--timeout must be a positive number of seconds")
        }
        if ipv4 && ipv6 { throw CommandLineError("-4 and -6 exclude each other") }
        let parameters: TraceParameters
        do {
            parameters = try TraceParameters(
                dest: dest, firstTTL: firstTTL, hops: maxHops, queries: queries,
                wait: .milliseconds(Int64(min(timeout, 3600) * 1000)), firstPort: firstPort,
                ipVersion: ipv4 ? 4 : ipv6 ? 6 : nil, probeType: try TraceProbeType(parsing: probeType),
                hostnames: hostnames, asNumbers: asNumbers, waitHere: waitHere, waitNear: waitNear,
                simultaneous: simultaneous, silentHops: silentHops
            ).validated()
        } catch {
            throw CommandLineError(error.description)
        }
        let service = ASNumberResolver.Service(
            originZone: asOriginZone, origin6Zone: asOrigin6Zone, asnZone: asOwnerZone, server: try asServerAddress(),
            anyAddress: asAnyAddress)
        let run = TraceRun(
            parameters: parameters, prober: parameters.probeType.makeProber(),
            asResolver: ASNumberResolver(service: service))
        let report = run.run()
        if json {
            StandardStreams.write(report.result.jsonString() + "\n")
        } else {
            StandardStreams.write(report.summary)
        }
        if let failure = report.failure {
            // The JSON already carries the error; stderr says it to a person.
            if json {
                StandardStreams.writeError("fathom-agent trace: \(failure)\n")
            }
            throw CommandExit(2)
        }
        if !report.reached { throw CommandExit(1) }
    }

    /// `--as-server`: an address, port 53 unless an IPv4 address carries `:PORT`.
    private func asServerAddress() throws -> IPSocketAddress? {
        guard let asServer else { return nil }
        var host = asServer
        var port: UInt16 = 53
        if asServer.filter({ $0 == ":" }).count == 1, let colon = asServer.lastIndex(of: ":") {
            guard let parsed = UInt16(asServer[asServer.index(after: colon)...]) else {
                throw CommandLineError("--as-server: bad port in \(asServer)")
            }
            host = String(asServer[..<colon])
            port = parsed
        }
        do {
            return try IPSocketAddress.resolve(host).with(port: port)
        } catch {
            throw CommandLineError("--as-server: \(error)")
        }
    }
}
