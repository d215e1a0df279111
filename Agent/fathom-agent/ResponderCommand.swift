import ArgumentParser
import FathomAgent
import Glibc

/// `fathom-agent responder`: an iperf3-compatible TCP and UDP server, for `iperf3 -c [-u]` or
/// `fathom-agent throughput [--udp]`.
struct ResponderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responder",
        abstract: "Answer iperf3-protocol throughput tests (TCP and UDP), one at a time.",
        discussion: "With --once, exit after one test: 0 when it succeeded, 2 when it failed."
    )

    @Option(help: "Port to listen on (control and data; UDP data on the same port number).") var port = 5201
    @Flag(help: "Exit after one test.") var once = false
    @Flag(help: "Print each test's pScheduler-shaped result as JSON.") var json = false

    func run() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0...65535") }
        let responder: ThroughputResponder
        do { responder = try ThroughputResponder(port: UInt16(port)) } catch {
            throw ValidationError(error.description)
        }
        Self.log("listening on port \(responder.listener.port)")
        var failed = false
        try responder.serve(once: once) { outcome in
            switch outcome {
            case .success(let report):
                failed = false
                if json { print(report.result.jsonString()) } else { print(report.summary, terminator: "") }
            case .failure(let error):
                failed = true
                Self.log("test failed: \(error)")
            }
        }
        if failed { throw ExitCode(2) }
    }

    /// Log lines go to stderr so stdout stays the results alone.
    static func log(_ message: String) {
        let line = Array("fathom-agent responder: \(message)\n".utf8)
        _ = write(2, line, line.count)
    }
}
