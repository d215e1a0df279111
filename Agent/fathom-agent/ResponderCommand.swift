import FathomAgent
import Glibc

/// `fathom-agent responder`: an iperf3-compatible TCP and UDP server, for `iperf3 -c [-u]` or
/// `fathom-agent throughput [--udp]`.
struct ResponderCommand: BlockingSubcommand {
    static let port = DefaultedOption(
        "port", default: 5201, help: "Port to listen on (control and data; UDP data on the same port number).")
    static let once = FlagOption("once", help: "Exit after one test.")
    static let json = FlagOption("json", help: "Print each test's pScheduler-shaped result as JSON.")

    static let name = "responder"
    static let spec = CommandSpec(
        name: name,
        abstract: "Answer iperf3-protocol throughput tests (TCP and UDP), one at a time.",
        discussion: "With --once, exit after one test: 0 when it succeeded, 2 when it failed.",
        options: [port.spec, once.spec, json.spec])

    let port: Int
    let once: Bool
    let json: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        port = try parsed.value(Self.port)
        once = parsed.flag(Self.once)
        json = parsed.flag(Self.json)
    }

    func run() throws {
        guard (0...65535).contains(port) else { throw CommandLineError("--port must be within 0...65535") }
        let responder: ThroughputResponder
        do { responder = try ThroughputResponder(port: UInt16(port)) } catch {
            throw CommandLineError(error.description)
        }
        Self.log("listening on port \(responder.listener.port)")
        var failed = false
        try responder.serve(once: once) { outcome in
            switch outcome {
            case .success(let report):
                failed = false
                StandardStreams.write(json ? report.result.jsonString() + "\n" : report.summary)
            case .failure(let error):
                failed = true
                Self.log("test failed: \(error)")
            }
        }
        if failed { throw CommandExit(2) }
    }

    /// Log lines go to stderr so stdout stays the results alone.
    static func log(_ message: String) {
        StandardStreams.writeError("fathom-agent responder: \(message)\n")
    }
}
