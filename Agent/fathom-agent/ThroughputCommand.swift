import FathomAgent
import Glibc

/// `fathom-agent throughput DEST`: one iperf3-compatible TCP or UDP (`--udp`) test against
/// `iperf3 -s` or a `fathom-agent responder`, printed readably or as pScheduler JSON. The
/// options are iperf3's, under iperf3's long names (`--omit`, `--window`, `--bidir`, …).
///
/// Synchronous on purpose: the streams block in `send`/`recv` on their own threads.
struct ThroughputCommand: BlockingSubcommand {
    static let dest = PositionalArgument("dest", help: "Destination name or address.")
    static let port = DefaultedOption("port", default: 5201, help: "Server port.")
    static let reverse = FlagOption("reverse", help: "The server sends, the client receives.")
    static let udp = FlagOption(
        "udp",
        help:
            "UDP datagrams instead of TCP (iperf3's -u): reports loss and jitter; 1 Mbit/s per stream unless --bandwidth."
    )
    static let parallel = DefaultedOption("parallel", default: 1, help: "Parallel streams.")
    static let duration = DefaultedOption("duration", default: 10, help: "Test duration in whole seconds.")
    static let bandwidth = ValueOption<String>(
        "bandwidth",
        help: "Pace each stream to this many bits per second (suffix K, M or G; iperf3's -b; 0 with --udp: unpaced).")
    static let omit = DefaultedOption(
        "omit", default: 0, help: "Omit the first N seconds from the counts (iperf3's -O); the test runs N s longer.")
    static let window = ValueOption<String>(
        "window", help: "Socket buffer size of each data stream, both ends (iperf3's -w; suffix K, M or G).")
    static let length = ValueOption<String>(
        "length", help: "Bytes per send/recv (iperf3's -l; suffix K, M or G; UDP: datagram size).")
    static let zerocopy = FlagOption("zerocopy", help: "Send with sendfile (iperf3's -Z).")
    static let interval = DefaultedOption("interval", default: 1.0, help: "Seconds per report interval (iperf3's -i).")
    static let bidir = FlagOption("bidir", help: "Both directions at once (iperf3's --bidir).")
    static let bytes = ValueOption<String>(
        "bytes", help: "End after this many bytes instead of --duration (iperf3's -n; suffix K, M or G).")
    static let blockcount = ValueOption<Int>(
        "blockcount", help: "End after this many blocks of --length bytes instead of --duration (iperf3's -k).")
    static let congestion = ValueOption<String>("congestion", help: "TCP congestion control algorithm (iperf3's -C).")
    static let tos = ValueOption<String>(
        "tos", help: "IP TOS byte: decimal, octal (0…) or hex (0x…) (iperf3's -S).")
    static let dscp = ValueOption<String>("dscp", help: "DSCP as 0...63 or a name like EF or AF41 (iperf3's --dscp).")
    static let mss = ValueOption<Int>("set-mss", help: "TCP maximum segment size (iperf3's -M).")
    static let noDelay = FlagOption("no-delay", help: "TCP_NODELAY on the data streams (iperf3's -N).")
    static let version4 = FlagOption("version4", help: "IPv4 only (iperf3's -4).")
    static let version6 = FlagOption("version6", help: "IPv6 only (iperf3's -6).")
    static let bind = ValueOption<String>("bind", help: "Bind to this local address (iperf3's -B).")
    static let json = FlagOption("json", help: "Print the pScheduler-shaped throughput result as JSON.")

    static let name = "throughput"
    static let spec = CommandSpec(
        name: name,
        abstract:
            "Measure TCP or UDP throughput to DEST with the iperf3 protocol (an iperf3 server or fathom-agent responder).",
        discussion: "Exit status: 0 when the test ran, 2 when it could not.",
        arguments: [dest],
        options: [
            port.spec, reverse.spec, udp.spec, parallel.spec, duration.spec, bandwidth.spec, omit.spec, window.spec,
            length.spec, zerocopy.spec, interval.spec, bidir.spec, bytes.spec,
            blockcount.spec, congestion.spec, tos.spec, dscp.spec, mss.spec, noDelay.spec, version4.spec, version6.spec,
            bind.spec, json.spec,
        ])

    let dest: String
    let port: Int
    let reverse: Bool
    let udp: Bool
    let parallel: Int
    let duration: Int
    let bandwidth: String?
    let omit: Int
    let window: String?
    let length: String?
    let zerocopy: Bool
    let interval: Double
    let bidir: Bool
    let bytes: String?
    let blockcount: Int?
    let congestion: String?
    let tos: String?
    let dscp: String?
    let mss: Int?
    let noDelay: Bool
    let version4: Bool
    let version6: Bool
    let bind: String?
    let json: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        dest = parsed.argument(Self.dest)
        port = try parsed.value(Self.port)
        reverse = parsed.flag(Self.reverse)
        udp = parsed.flag(Self.udp)
        parallel = try parsed.value(Self.parallel)
        duration = try parsed.value(Self.duration)
        bandwidth = try parsed.value(Self.bandwidth)
        omit = try parsed.value(Self.omit)
        window = try parsed.value(Self.window)
        length = try parsed.value(Self.length)
        zerocopy = parsed.flag(Self.zerocopy)
        interval = try parsed.value(Self.interval)
        bidir = parsed.flag(Self.bidir)
        bytes = try parsed.value(Self.bytes)
        blockcount = try parsed.value(Self.blockcount)
        congestion = try parsed.value(Self.congestion)
        tos = try parsed.value(Self.tos)
        dscp = try parsed.value(Self.dscp)
        mss = try parsed.value(Self.mss)
        noDelay = parsed.flag(Self.noDelay)
        version4 = parsed.flag(Self.version4)
        version6 = parsed.flag(Self.version6)
        bind = try parsed.value(Self.bind)
        json = parsed.flag(Self.json)
    }

    func run() throws {
        var rate: Int?
        if let bandwidth {
            guard let parsed = Self.rate(bandwidth) else {
                throw CommandLineError("--bandwidth \(bandwidth) is not a number with an optional K, M or G")
            }
            rate = parsed
        }
        let parameters: ThroughputParameters
        let asked = try options(bandwidth: rate)
        do { parameters = try asked.validated() } catch {
            throw CommandLineError(error.description)
        }
        do {
            let report = try ThroughputClient(parameters: parameters).run()
            StandardStreams.write(json ? report.result.jsonString() + "\n" : report.summary)
        } catch {
            if json { StandardStreams.write(ThroughputResult.failure(error.description).jsonString() + "\n") }
            StandardStreams.writeError("fathom-agent throughput: \(error)\n")
            throw CommandExit(2)
        }
    }

    /// The test the flags describe, not yet validated; a malformed size or TOS is a `CommandLineError`.
    func options(bandwidth rate: Int?) throws -> ThroughputParameters {
        func size(_ text: String?, _ flag: String) throws -> Int? {
            guard let text else { return nil }
            guard let value = ByteCountText.bytes(text) else {
                throw CommandLineError("--\(flag) \(text) is not a number with an optional K, M or G")
            }
            return value
        }
        var p = ThroughputParameters(
            dest: dest, port: port, reverse: reverse, udp: udp, parallel: parallel, duration: duration, bandwidth: rate)
        if let length = try size(length, "length") { p.blockSize = length }
        p.omit = omit
        p.window = try size(window, "window")
        p.zeroCopy = zerocopy
        p.interval = .milliseconds(Int64((interval * 1000).rounded()))
        p.bidirectional = bidir
        p.bytes = try size(bytes, "bytes")
        p.blocks = blockcount
        p.congestion = congestion
        if tos != nil && dscp != nil { throw CommandLineError("--tos and --dscp both set the TOS byte: give one") }
        if let tos {
            guard let value = ByteCountText.tos(tos) else {
                throw CommandLineError("--tos \(tos) is not a byte (decimal, 0 octal or 0x hex)")
            }
            p.tos = value
        }
        if let dscp {
            guard let value = ByteCountText.dscp(dscp) else {
                throw CommandLineError("--dscp \(dscp) is not 0...63 or a DSCP name like EF or AF41")
            }
            p.tos = value
        }
        p.mss = mss
        p.noDelay = noDelay
        if version4 && version6 { throw CommandLineError("--version4 and --version6 exclude each other") }
        p.ipVersion = version4 ? 4 : version6 ? 6 : nil
        p.localAddress = bind
        return p
    }

    /// `--bandwidth` in bits per second: what `BitRateText` reads, plus zero (`0`, `0M`: iperf3's
    /// `-b 0`, unpaced), which `BitRateText` refuses and `validated()` allows with `--udp` only.
    static func rate(_ text: String) -> Int? {
        if let rate = BitRateText.bitsPerSecond(text) { return rate }
        let number = text.last.map { "kKmMgG".contains($0) } == true ? String(text.dropLast()) : text
        return Double(number) == 0 ? 0 : nil
    }
}
