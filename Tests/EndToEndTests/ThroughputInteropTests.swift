import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The built `fathom-agent` against the real iperf3 (3.12 on Debian 12) on 127.0.0.1, both ways:
/// `throughput` against `iperf3 -s -1`, and `iperf3 -c` against `responder --once`. The bytes our
/// side counted must agree within 5 % with the bytes iperf3 counted **on its own side** of the
/// same streams (`Iperf3Agreement`): never with iperf3's copy of our own figures, which it fills
/// from our EXCHANGE_RESULTS. A responder made to miscount (`FATHOM_TEST_MISCOUNT_BYTES`) is
/// caught. Streams are paced (`-b`, which both sides honour for TCP) so a small CI machine keeps
/// CPU for the tests running beside these. Needs iperf3 (`Prerequisite.unavailable` without it).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ThroughputInteropTests {
    private static let agent = Shell.binDirectory + "/fathom-agent"

    @Test(arguments: [(false, 1), (true, 2)])
    func agentClientBytesAgreeWithIperf3ServersOwnCount(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("agentClientBytesAgreeWithIperf3ServersOwnCount") else { return }
        let (serverRun, client) = try await Iperf3Tool.serverThenClient(
            server: {
                [iperf3, "-s", "-1", "-p", "\($0)", "-J"]
            },
            client: { port in
                [
                    Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--duration", "2", "--parallel",
                    "\(parallel)", "--bandwidth", "2G", "--json",
                ]
                    + (reverse ? ["--reverse"] : [])
            })
        #expect(client.status == 0, "\(client.stderr)")
        let ours = try ThroughputResult.decode(json: client.stdout)
        let problems = try Iperf3Agreement.tcp(ours: ours, weSent: !reverse, iperf3JSON: serverRun.stdout)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test(arguments: [(false, 2), (true, 1)])
    func responderBytesAgreeWithIperf3ClientsOwnCount(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("responderBytesAgreeWithIperf3ClientsOwnCount") else { return }
        let (ours, iperf3JSON) = try await Self.iperf3AgainstResponder(iperf3, reverse: reverse, parallel: parallel)
        let problems = try Iperf3Agreement.tcp(ours: ours, weSent: reverse, iperf3JSON: iperf3JSON)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The same comparison against a responder that counts every byte 25 % too high, in its
    /// report and in the results it gives iperf3: the comparison with iperf3's own count must
    /// catch it (a comparison with iperf3's relayed copy of our figures would not).
    @Test(arguments: [false, true])
    func miscountingResponderIsCaughtByIperf3sOwnCount(reverse: Bool) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("miscountingResponderIsCaughtByIperf3sOwnCount") else { return }
        let (ours, iperf3JSON) = try await Self.iperf3AgainstResponder(
            iperf3, reverse: reverse, parallel: 1, environment: [ResponderMiscount.bytesVariable + "=1.25"])
        let problems = try Iperf3Agreement.tcp(ours: ours, weSent: reverse, iperf3JSON: iperf3JSON)
        #expect(problems.count == 1 && problems.allSatisfy { $0.hasPrefix("bytes:") }, "\(problems)")
        // iperf3's copy of our figures carries the miscount unchanged: comparing with it proves nothing.
        let relayed = try Iperf3Tool.byteSums(iperf3JSON)
        let mine = try Iperf3Agreement.ownBytes(ours, weSent: reverse)
        #expect(
            Iperf3Tool.agree(mine, reverse ? relayed.sent : relayed.received, within: 0.001),
            "ours \(mine), relayed \(relayed)")
    }

    /// `iperf3 -c` against `responder --once` (with `environment` for the responder): our
    /// decoded result and iperf3's `-J` output, after checking both exited 0.
    private static func iperf3AgainstResponder(
        _ iperf3: String, reverse: Bool, parallel: Int, environment: [String] = []
    ) async throws -> (ThroughputResult, String) {
        try await Iperf3Tool.clientAgainstResponder(agent: Self.agent, environment: environment) { port in
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "2", "-P", "\(parallel)", "-b", "2G", "-J"]
                + (reverse ? ["-R"] : [])
        }
    }

    /// A second real iperf3 client during a test hears "busy", as from a real iperf3 server.
    @Test func secondIperf3ClientIsToldTheResponderIsBusy() async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("secondIperf3ClientIsToldTheResponderIsBusy") else { return }
        let port = try TestPorts.take()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        // Long enough that the second client, even one slow to start on a loaded machine, finds
        // the first test still running (a finished --once responder refuses the connection).
        async let first = Iperf3Tool.run(
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "5", "-b", "1G", "-J"], timeout: 30)
        try await Task.sleep(for: .milliseconds(700))
        let second = try await Iperf3Tool.run([iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "1"], timeout: 30)
        #expect(second.status != 0)
        #expect((second.stdout + second.stderr).contains("busy"), "\(second.stdout) \(second.stderr)")
        #expect(try await first.status == 0)
        #expect(try await responder.status == 0)
    }

    /// Garbage on the control connection: the responder names the problem and exits, no hang.
    @Test func garbageOnTheControlConnectionEndsTheResponderWithAnError() async throws {
        let port = try TestPorts.take()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let started = Date()
        let address = try IPSocketAddress.resolve("127.0.0.1").with(port: UInt16(port))
        let socket = try TCPSocket.connect(to: address, timeout: .seconds(5))
        try socket.write(
            Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nmore bytes than a cookie\r\n".utf8), deadline: .now + .seconds(5))
        let run = try await responder
        socket.close()
        #expect(run.status == 2)
        #expect(run.stderr.contains("test failed") && run.stderr.contains("iperf3 protocol"), "\(run.stderr)")
        // No hang: the responder gave up at once, far inside its 10 s control timeout plus a loaded machine.
        #expect(Date().timeIntervalSince(started) < 15)
    }
}
