import ArgumentParser
import FathomAgent
import Glibc

/// `fathom-agent throughput DEST`: one iperf3-compatible TCP or UDP (`--udp`) test against
/// `iperf3 -s` or a `fathom-agent responder`, printed readably or as pScheduler JSON. The
/// options are iperf3's, under iperf3's long names (`--omit`, `--window`, `--bidir`, …).
///
/// Synchronous on purpose: the streams block in `send`/`recv` on their own threads.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract:
            "Measure TCP or UDP throughput to DEST with the iperf3 protocol (an iperf3 server or fathom-agent responder).",
        discussion: "Exit status: 0 when the test ran, 2 when it could not."
    )

    @Argument(help: "Destination name or address.") var dest: String
    @Option(help: "Server port.") var port = 5201
    @Flag(help: "The server sends, the client receives.") var reverse = false
    @Flag(
        help:
            "UDP datagrams instead of TCP (iperf3's -u): reports loss and jitter; 1 Mbit/s per stream unless --bandwidth."
    ) var udp = false
    @Option(help: "Parallel streams.") var parallel = 1
    @Option(help: "Test duration in whole seconds.") var duration = 10
    @Option(
        help: "Pace each stream to this many bits per second (suffix K, M or G; iperf3's -b; 0 with --udp: unpaced).")
    var bandwidth: String?
    @Option(help: "Omit the first N seconds from the counts (iperf3's -O); the test runs N s longer.") var omit = 0
    @Option(help: "Socket buffer size of each data stream, both ends (iperf3's -w; suffix K, M or G).") var window:
        String?
    @Option(help: "Bytes per send/recv (iperf3's -l; suffix K, M or G; UDP: datagram size).") var length: String?
    @Flag(help: "Send with sendfile (iperf3's -Z).") var zerocopy = false
    @Option(help: "Seconds per report interval (iperf3's -i).") var interval = 1.0
    @Flag(help: "Both directions at once (iperf3's --bidir).") var bidir = false
    @Option(help: "End after this many bytes instead of --duration (iperf3's -n; suffix K, M or G).") var bytes: String?
    @Option(help: "End after this many blocks of --length bytes instead of --duration (iperf3's -k).") var blockcount:
        Int?
    @Option(help: "TCP congestion control algorithm (iperf3's -C).") var congestion: String?
    @Option(help: "IP TOS byte: decimal, octal (0…) or hex (0x…) (iperf3's -S).") var tos: String?
    @Option(help: "DSCP as 0...63 or a name like EF or AF41 (iperf3's --dscp).") var dscp: String?
    @Option(name: .customLong("set-mss"), help: "TCP maximum segment size (iperf3's -M).") var mss: Int?
    @Flag(name: .customLong("no-delay"), help: "TCP_NODELAY on the data streams (iperf3's -N).") var noDelay = false
    @Flag(help: "IPv4 only (iperf3's -4).") var version4 = false
    @Flag(help: "IPv6 only (iperf3's -6).") var version6 = false
    @Option(help: "Bind to this local address (iperf3's -B).") var bind: String?
    @Flag(help: "Print the pScheduler-shaped throughput result as JSON.") var json = false

    func run() throws {
        var rate: Int?
        if let bandwidth {
            guard let parsed = Self.rate(bandwidth) else {
                throw ValidationError("--bandwidth \(bandwidth) is not a number with an optional K, M or G")
            }
            rate = parsed
        }
        let parameters: ThroughputParameters
        let asked = try options(bandwidth: rate)
        do { parameters = try asked.validated() } catch {
            throw ValidationError(error.description)
        }
        do {
            let report = try ThroughputClient(parameters: parameters).run()
            print(json ? report.result.jsonString() : report.summary, terminator: json ? "\n" : "")
        } catch {
            if json { print(ThroughputResult.failure(error.description).jsonString()) }
            let line = Array("fathom-agent throughput: \(error)\n".utf8)
            _ = write(2, line, line.count)
            throw ExitCode(2)
        }
    }

    /// The test the flags describe, not yet validated; a malformed size or TOS is a `ValidationError`.
    func options(bandwidth rate: Int?) throws -> ThroughputParameters {
        func size(_ text: String?, _ flag: String) throws -> Int? {
            guard let text else { return nil }
            guard let value = ByteCountText.bytes(text) else {
                throw ValidationError("--\(flag) \(text) is not a number with an optional K, M or G")
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
        if tos != nil && dscp != nil { throw ValidationError("--tos and --dscp both set the TOS byte: give one") }
        if let tos {
            guard let value = ByteCountText.tos(tos) else {
                throw ValidationError("--tos \(tos) is not a byte (decimal, 0 octal or 0x hex)")
            }
            p.tos = value
        }
        if let dscp {
            guard let value = ByteCountText.dscp(dscp) else {
                throw ValidationError("--dscp \(dscp) is not 0...63 or a DSCP name like EF or AF41")
            }
            p.tos = value
        }
        p.mss = mss
        p.noDelay = noDelay
        if version4 && version6 { throw ValidationError("--version4 and --version6 exclude each other") }
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
