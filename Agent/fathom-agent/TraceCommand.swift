import ArgumentParser
import FathomAgent
import Glibc

/// `fathom-agent trace DEST`: one trace (unprivileged UDP, or ICMP echo with `CAP_NET_RAW`),
/// printed readably or as pScheduler JSON, hop names looked up after the last probe.
///
/// Synchronous on purpose: the probes block in `poll`, which must not happen on the async pool.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace the path to DEST with UDP probes (unprivileged) or ICMP echo (CAP_NET_RAW), IPv4 and IPv6.",
        discussion: """
            --probe-type icmp needs CAP_NET_RAW (root, or setcap cap_net_raw+ep); without it the trace \
            fails with an error saying so rather than falling back to UDP. Hop names are looked up after \
            the trace, at most \(ReverseNameResolver.defaultDeadline.components.seconds) s in all.
            Exit status: 0 when the destination answered, 1 when it did not, 2 when the trace could not run.
            """
    )

    @Argument(help: "Destination name or address.") var dest: String
    @Flag(help: "Print the pScheduler-shaped trace result as JSON.") var json = false
    @Option(help: "Highest TTL to probe (pScheduler hops).") var maxHops = 30
    @Option(help: "First TTL to probe.") var firstTTL = 1
    @Option(help: "Probes per TTL.") var queries = 3
    @Option(help: "Seconds a probe waits for its answer at most (traceroute -w MAX).") var timeout = 5.0
    @Option(help: "A probe waits at most this many times an RTT seen at its TTL (traceroute -w HERE; 0: off).")
    var waitHere = 3.0
    @Option(help: "… or this many times the RTT of a later probe's answer (traceroute -w NEAR; 0: off).")
    var waitNear = 10.0
    @Option(help: "Probes in flight at once (traceroute -N).") var simultaneous = 16
    @Option(help: "Stop after this many consecutive TTLs without an answer.") var silentHops = 5
    @Option(help: "UDP destination port of the first probe; later probes use the next ports.") var firstPort = 33434
    @Option(help: "Probe with udp (unprivileged) or icmp echo (needs CAP_NET_RAW); pScheduler probe-type.")
    var probeType = "udp"
    @Flag(inversion: .prefixedNo, help: "Look up hop names after the trace (pScheduler hostnames).") var hostnames =
        true
    @Flag(
        name: .customLong("as"), inversion: .prefixedNo,
        help: "Look up hop origin ASes after the trace (pScheduler as).")
    var asNumbers = true
    @Option(help: "TXT zone of the IPv4 origin service.") var asOriginZone = "origin.asn.cymru.com"
    @Option(help: "TXT zone of the IPv6 origin service.") var asOrigin6Zone = "origin6.asn.cymru.com"
    @Option(help: "TXT zone of AS owner names (AS<n>.ZONE).") var asOwnerZone = "asn.cymru.com"
    @Option(help: "Name server for AS lookups, ADDRESS or ADDRESS:PORT for IPv4 (default: first of /etc/resolv.conf).")
    var asServer: String?
    @Flag(help: "Ask the AS service about every hop address, private and loopback ones too (default: global only).")
    var asAnyAddress = false
    @Flag(name: .customShort("4"), help: "Use IPv4.") var ipv4 = false
    @Flag(name: .customShort("6"), help: "Use IPv6.") var ipv6 = false

    func run() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 exclude each other") }
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
            throw ValidationError(error.description)
        }
        let service = ASNumberResolver.Service(
            originZone: asOriginZone, origin6Zone: asOrigin6Zone, asnZone: asOwnerZone, server: try asServerAddress(),
            anyAddress: asAnyAddress)
        let run = TraceRun(
            parameters: parameters, prober: parameters.probeType.makeProber(),
            asResolver: ASNumberResolver(service: service))
        let report = run.run()
        if json {
            print(report.result.jsonString())
        } else {
            print(report.summary, terminator: "")
        }
        if let failure = report.failure {
            // The JSON already carries the error; stderr says it to a person.
            if json {
                let line = Array("fathom-agent trace: \(failure)\n".utf8)
                _ = write(2, line, line.count)
            }
            throw ExitCode(2)
        }
        if !report.reached { throw ExitCode(1) }
    }

    /// `--as-server`: an address, port 53 unless an IPv4 address carries `:PORT`.
    private func asServerAddress() throws -> IPSocketAddress? {
        guard let asServer else { return nil }
        var host = asServer
        var port: UInt16 = 53
        if asServer.filter({ $0 == ":" }).count == 1, let colon = asServer.lastIndex(of: ":") {
            guard let parsed = UInt16(asServer[asServer.index(after: colon)...]) else {
                throw ValidationError("--as-server: bad port in \(asServer)")
            }
            host = String(asServer[..<colon])
            port = parsed
        }
        do {
            return try IPSocketAddress.resolve(host).with(port: port)
        } catch {
            throw ValidationError("--as-server: \(error)")
        }
    }
}
