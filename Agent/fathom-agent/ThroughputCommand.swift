import ArgumentParser
import FathomAgent
import Glibc

/// `fathom-agent throughput DEST`: one iperf3-compatible TCP or UDP (`--udp`) test against
/// `iperf3 -s` or a `fathom-agent responder`, printed readably or as pScheduler JSON.
///
/// Synchronous on purpose: the streams block in `send`/`recv` on their own threads.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Measure TCP or UDP throughput to DEST with the iperf3 protocol (an iperf3 server or fathom-agent responder).",
        discussion: "Exit status: 0 when the test ran, 2 when it could not."
    )

    @Argument(help: "Destination name or address.") var dest: String
    @Option(help: "Server port.") var port = 5201
    @Flag(help: "The server sends, the client receives.") var reverse = false
    @Flag(help: "UDP datagrams instead of TCP (iperf3's -u): reports loss and jitter; 1 Mbit/s per stream unless --bandwidth.") var udp = false
    @Option(help: "Parallel streams.") var parallel = 1
    @Option(help: "Test duration in whole seconds.") var duration = 10
    @Option(help: "Pace each stream to this many bits per second (suffix K, M or G; iperf3's -b; 0 with --udp: unpaced).") var bandwidth: String?
    @Flag(help: "Print the pScheduler-shaped throughput result as JSON.") var json = false

    func run() throws {
        var rate: Int?
        if let bandwidth {
            guard let parsed = Self.rate(bandwidth) else { throw ValidationError("--bandwidth \(bandwidth) is not a number with an optional K, M or G") }
            rate = parsed
        }
        let parameters: ThroughputParameters
        do {
            parameters = try ThroughputParameters(
                dest: dest, port: port, reverse: reverse, udp: udp, parallel: parallel, duration: duration, bandwidth: rate
            ).validated()
        } catch {
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

    /// `--bandwidth` in bits per second: what `BitRateText` reads, plus zero (`0`, `0M`: iperf3's
    /// `-b 0`, unpaced), which `BitRateText` refuses and `validated()` allows with `--udp` only.
    static func rate(_ text: String) -> Int? {
        if let rate = BitRateText.bitsPerSecond(text) { return rate }
        let number = text.last.map { "kKmMgG".contains($0) } == true ? String(text.dropLast()) : text
        return Double(number) == 0 ? 0 : nil
    }
}
