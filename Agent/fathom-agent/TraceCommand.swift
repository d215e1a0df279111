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
    @Option(help: "Seconds to wait for each probe's answer.") var timeout = 5.0
    @Option(help: "UDP destination port of the first probe; later probes use the next ports.") var firstPort = 33434
    @Option(help: "Probe with udp (unprivileged) or icmp echo (needs CAP_NET_RAW); pScheduler probe-type.")
    var probeType = "udp"
    @Flag(inversion: .prefixedNo, help: "Look up hop names after the trace (pScheduler hostnames).") var hostnames = true
    @Flag(name: .customShort("4"), help: "Use IPv4.") var ipv4 = false
    @Flag(name: .customShort("6"), help: "Use IPv6.") var ipv6 = false

    func run() throws {
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 exclude each other") }
        let parameters: TraceParameters
        do {
            parameters = try TraceParameters(
                dest: dest, firstTTL: firstTTL, hops: maxHops, queries: queries,
                wait: .milliseconds(Int64(min(timeout, 3600) * 1000)), firstPort: firstPort,
                ipVersion: ipv4 ? 4 : ipv6 ? 6 : nil, probeType: try TraceProbeType(parsing: probeType),
                hostnames: hostnames
            ).validated()
        } catch {
            throw ValidationError(error.description)
        }
        let report = TraceRun(parameters: parameters).run()
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
}
