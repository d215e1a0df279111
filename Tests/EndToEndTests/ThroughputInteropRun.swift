import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// One interop run of the throughput suites: a server (`iperf3 -s -1` or `responder --once`) on a
/// free port, then a client against it once the server listens; both results once both exited.
/// Where iperf3 is not installed the test goes through `Prerequisite.unavailable` (a failure
/// under `FATHOM_REQUIRE_ALL=1`).
///
/// ```swift
/// guard let iperf3 = try Iperf3Tool.pathOrSkip("agentClientAgainstIperf3Server") else { return }
/// let run = try await Iperf3Tool.serverThenClient(server: { [iperf3, "-s", "-1", "-p", "\($0)", "-J"] },
///                                                 client: { [agent, "throughput", "127.0.0.1", "--port", "\($0)", "--json"] })
/// #expect(run.client.status == 0)
/// ```
extension Iperf3Tool {
    /// The iperf3 binary, or nil after `Prerequisite.unavailable` says why `test` cannot run.
    static func pathOrSkip(_ test: String) throws -> String? {
        guard let path else {
            try Prerequisite.unavailable("iperf3 is not installed (apt-get install -y iperf3)", test: test)
            return nil
        }
        return path
    }

    /// Starts `server(port)` on a free port, waits until it listens, runs `client(port)`, and
    /// returns both programs' results (30 s limit each).
    static func serverThenClient(
        server: (_ port: Int) -> [String], client: (_ port: Int) -> [String]
    ) async throws -> (server: Shell.Result, client: Shell.Result) {
        let port = try TestPorts.take()
        let serverArguments = server(port)
        async let serverRun = run(serverArguments, timeout: 30)
        try await awaitListener(port: port)
        let clientRun = try await run(client(port), timeout: 30)
        return (try await serverRun, clientRun)
    }

    /// `client(port)`, a real iperf3 client, against `agent responder --once --json` (with
    /// `environment` for the responder): our decoded result and the client's `-J` output, after
    /// checking both exited 0.
    static func clientAgainstResponder(
        agent: String, environment: [String] = [], client: (_ port: Int) -> [String]
    ) async throws -> (ThroughputResult, String) {
        let (responderRun, clientRun) = try await serverThenClient(
            server: {
                (environment.isEmpty ? [] : ["/usr/bin/env"] + environment) + [
                    agent, "responder", "--port", "\($0)", "--once", "--json",
                ]
            },
            client: client)
        #expect(
            clientRun.status == 0 && responderRun.status == 0, "\(clientRun.stdout.prefix(400)) \(responderRun.stderr)")
        return (try ThroughputResult.decode(json: responderRun.stdout), clientRun.stdout)
    }
}
