import FathomAgent
import Glibc

/// `fathom-agent rtt DEST`: pScheduler's rtt test (ping) over an unprivileged ICMP datagram
/// socket, or a raw one with `CAP_NET_RAW`, printed like ping's summary or as pScheduler JSON.
///
/// Synchronous on purpose: the run blocks in `poll`, which must not happen on the async pool.
struct RTTCommand: BlockingSubcommand {
    static let dest = PositionalArgument("dest", help: "Destination name or address.")
    static let count = DefaultedOption(
        "count", short: "c", default: RTTParameters.defaultCount, help: "Echo requests to send.")
    static let interval = DefaultedOption("interval", short: "i", default: 1.0, help: "Seconds between requests.")
    static let length = ValueOption<Int>("length", short: "s", help: "Data bytes per request (ping -s; default 56).")
    static let ttl = ValueOption<Int>("ttl", short: "t", help: "TTL / hop limit of the requests.")
    static let timeout = DefaultedOption(
        "timeout", short: "W", default: 1.0, help: "Seconds to wait for replies after the last request.")
    static let raw = FlagOption("raw", help: "Use a raw socket even where an ICMP datagram socket is allowed.")
    static let json = FlagOption("json", help: "Print the pScheduler-shaped rtt result as JSON.")
    static let ipv4 = FlagOption(nil, short: "4", help: "Use IPv4.")
    static let ipv6 = FlagOption(nil, short: "6", help: "Use IPv6.")

    static let name = "rtt"
    static let spec = CommandSpec(
        name: name,
        abstract: "Measure round-trip times to DEST with ICMP echo (pScheduler rtt), IPv4 and IPv6.",
        discussion: """
            Uses an ICMP datagram socket when net.ipv4.ping_group_range admits one of the process's groups, \
            else a raw socket (CAP_NET_RAW).
            Exit status: 0 when a reply came back, 1 when none did, 2 when the test could not run.
            """,
        arguments: [dest],
        options: [
            count.spec, interval.spec, length.spec, ttl.spec, timeout.spec, raw.spec, json.spec, ipv4.spec, ipv6.spec,
        ])

    let dest: String
    let count: Int
    let interval: Double
    let length: Int?
    let ttl: Int?
    let timeout: Double
    let raw: Bool
    let json: Bool
    let ipv4: Bool
    let ipv6: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        dest = parsed.argument(Self.dest)
        count = try parsed.value(Self.count)
        interval = try parsed.value(Self.interval)
        length = try parsed.value(Self.length)
        ttl = try parsed.value(Self.ttl)
        timeout = try parsed.value(Self.timeout)
        raw = parsed.flag(Self.raw)
        json = parsed.flag(Self.json)
        ipv4 = parsed.flag(Self.ipv4)
        ipv6 = parsed.flag(Self.ipv6)
    }

    func run() throws {
        if ipv4 && ipv6 { throw CommandLineError("-4 and -6 exclude each other") }
        for (name, value) in [("--interval", interval), ("--timeout", timeout)]
        where !(value.isFinite && value > 0 && value <= 3600) {
            throw CommandLineError("\(name) must be a positive number of seconds, at most 3600")
        }
        let parameters: RTTParameters
        do {
            parameters = try RTTParameters(
                dest: dest, count: count, interval: .microseconds(Int64((interval * 1e6).rounded())), length: length,
                ttl: ttl, ipVersion: ipv4 ? 4 : ipv6 ? 6 : nil, timeout: .microseconds(Int64((timeout * 1e6).rounded()))
            ).validated()
        } catch {
            throw CommandLineError(error.description)
        }
        let result = RTTRun(parameters: parameters, preferRaw: raw).run()
        if json {
            StandardStreams.write(result.jsonString() + "\n")
        } else {
            StandardStreams.write(summary(result))
        }
        if let error = result.error {
            if json {
                StandardStreams.writeError("fathom-agent rtt: \(error)\n")
            }
            throw CommandExit(2)
        }
        if (result.received ?? 0) == 0 { throw CommandExit(1) }
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
