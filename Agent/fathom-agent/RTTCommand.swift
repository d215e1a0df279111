import ArgumentParser
import FathomAgent
import Glibc

/// `fathom-agent rtt DEST`: pScheduler's rtt test (ping) over an unprivileged ICMP datagram
/// socket, or a raw one with `CAP_NET_RAW`, printed like ping's summary or as pScheduler JSON.
///
/// Synchronous on purpose: the run blocks in `poll`, which must not happen on the async pool.
struct RTTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtt",
        abstract: "Measure round-trip times to DEST with ICMP echo (pScheduler rtt), IPv4 and IPv6.",
        discussion: """
            Uses an ICMP datagram socket when net.ipv4.ping_group_range admits one of the process's groups, \
            else a raw socket (CAP_NET_RAW).
            Exit status: 0 when a reply came back, 1 when none did, 2 when the test could not run.
            """
    )

    @Argument(help: "Destination name or address.") var dest: String
    @Option(name: [.customShort("c"), .long], help: "Echo requests to send.") var count = RTTParameters.defaultCount
    @Option(name: [.customShort("i"), .long], help: "Seconds between requests.") var interval = 1.0
    @Option(name: [.customShort("s"), .long], help: "Data bytes per request (ping -s; default 56).") var length: Int?
    @Option(name: [.customShort("t"), .long], help: "TTL / hop limit of the requests.") var ttl: Int?
    @Option(name: [.customShort("W"), .long], help: "Seconds to wait for replies after the last request.")
    var timeout = 1.0
    @Flag(help: "Use a raw socket even where an ICMP datagram socket is allowed.") var raw = false
    @Flag(help: "Print the pScheduler-shaped rtt result as JSON.") var json = false
    @Flag(name: .customShort("4"), help: "Use IPv4.") var ipv4 = false
    @Flag(name: .customShort("6"), help: "Use IPv6.") var ipv6 = false

    func run() throws {
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 exclude each other") }
        for (name, value) in [("--interval", interval), ("--timeout", timeout)]
        where !(value.isFinite && value > 0 && value <= 3600) {
            throw ValidationError("\(name) must be a positive number of seconds, at most 3600")
        }
        let parameters: RTTParameters
        do {
            parameters = try RTTParameters(
                dest: dest, count: count, interval: .microseconds(Int64((interval * 1e6).rounded())), length: length,
                ttl: ttl, ipVersion: ipv4 ? 4 : ipv6 ? 6 : nil, timeout: .microseconds(Int64((timeout * 1e6).rounded()))
            ).validated()
        } catch {
            throw ValidationError(error.description)
        }
        let result = RTTRun(parameters: parameters, preferRaw: raw).run()
        if json {
            print(result.jsonString())
        } else {
            print(summary(result), terminator: "")
        }
        if let error = result.error {
            if json {
                let line = Array("fathom-agent rtt: \(error)\n".utf8)
                _ = write(2, line, line.count)
            }
            throw ExitCode(2)
        }
        if (result.received ?? 0) == 0 { throw ExitCode(1) }
    }

    /// ping-like lines: one per roundtrip, then the totals.
    private func summary(_ result: RTTResult) -> String {
        if let error = result.error { return "rtt \(dest): \(error)\n" }
        var text = ""
        for trip in result.roundtrips {
            let from = trip.ip ?? "?"
            if let rtt = trip.rttSeconds {
                let ms = (rtt * 1e6).rounded() / 1e3
                text +=
                    "\(trip.length ?? 0) bytes from \(from): icmp_seq=\(trip.seq) ttl=\(trip.ttl ?? 0) time=\(ms) ms\n"
            } else {
                text += "From \(from) icmp_seq=\(trip.seq) \(trip.error ?? "ICMP error")\n"
            }
        }
        let percent = (result.loss * 1000).rounded() / 10
        text += "\(result.sent ?? 0) packets transmitted, \(result.received ?? 0) received, \(percent)% packet loss"
        text += ", \(result.duplicates ?? 0) duplicates, \(result.reorders ?? 0) reorders\n"
        if let min = result.min, let mean = result.mean, let max = result.max, let stddev = result.stddev {
            text += "rtt min/mean/max/stddev = \(min)/\(mean)/\(max)/\(stddev)\n"
        }
        return text
    }
}
