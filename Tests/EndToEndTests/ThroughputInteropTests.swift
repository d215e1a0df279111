import FathomAgent
import Foundation
import Testing

/// The built `fathom-agent` against the real iperf3 (3.12 on Debian 12) on 127.0.0.1, both ways:
/// `throughput` against `iperf3 -s -1`, and `iperf3 -c` against `responder --once`. Both sides'
/// throughput must agree within 5%. Streams are paced (`-b`, which both sides honour for TCP) so a
/// small CI machine keeps CPU for the tests running beside these. Prints SKIP where iperf3 is not installed (CI installs it).
@Suite(.serialized) struct ThroughputInteropTests {
    private static let agent = Shell.binDirectory + "/fathom-agent"

    @Test(arguments: [(false, 1), (true, 2)])
    func agentClientAgainstIperf3Server(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("agentClientAgainstIperf3Server") else { return }
        let (serverRun, client) = try await Iperf3Tool.serverThenClient(server: { [iperf3, "-s", "-1", "-p", "\($0)", "-J"] }) { port in
            [Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--duration", "2", "--parallel", "\(parallel)", "--bandwidth", "2G", "--json"]
                + (reverse ? ["--reverse"] : [])
        }
        #expect(client.status == 0, "\(client.stderr)")
        let ours = try #require(try ThroughputResult.decode(json: client.stdout).summary?.summary)
        let theirs = try Iperf3Tool.sums(serverRun.stdout)
        // iperf3 3.12's server JSON fills only its own side (the other sum is 0), so both of our
        // figures are held against what the real server itself counted.
        let serverCounted = reverse ? theirs.sent : theirs.received
        #expect(Iperf3Tool.agree(ours.throughputBits, serverCounted), "ours \(ours.throughputBits), iperf3 server \(serverCounted)")
        #expect(Iperf3Tool.agree(try #require(ours.receiverThroughputBits), serverCounted), "ours \(ours), iperf3 server \(serverCounted)")
    }

    @Test(arguments: [(false, 2), (true, 1)])
    func iperf3ClientAgainstAgentResponder(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("iperf3ClientAgainstAgentResponder") else { return }
        let (responderRun, client) = try await Iperf3Tool.serverThenClient(server: { [Self.agent, "responder", "--port", "\($0)", "--once", "--json"] }) { port in
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "2", "-P", "\(parallel)", "-b", "2G", "-J"] + (reverse ? ["-R"] : [])
        }
        #expect(client.status == 0 && responderRun.status == 0, "\(client.stdout.prefix(400)) \(responderRun.stderr)")
        let theirs = try Iperf3Tool.sums(client.stdout)
        let ours = try #require(try ThroughputResult.decode(json: responderRun.stdout).summary?.summary)
        #expect(Iperf3Tool.agree(ours.throughputBits, theirs.sent), "ours \(ours.throughputBits), iperf3 sent \(theirs.sent)")
        #expect(Iperf3Tool.agree(try #require(ours.receiverThroughputBits), theirs.received), "ours \(ours), iperf3 received \(theirs.received)")
    }

    /// A second real iperf3 client during a test hears "busy", as from a real iperf3 server.
    @Test func secondIperf3ClientIsToldTheResponderIsBusy() async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("secondIperf3ClientIsToldTheResponderIsBusy") else { return }
        let port = try Iperf3Tool.freePort()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        async let first = Iperf3Tool.run([iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "2", "-b", "1G", "-J"], timeout: 30)
        try await Task.sleep(for: .milliseconds(700))
        let second = try await Iperf3Tool.run([iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-t", "1"], timeout: 30)
        #expect(second.status != 0)
        #expect((second.stdout + second.stderr).contains("busy"), "\(second.stdout) \(second.stderr)")
        #expect(try await first.status == 0)
        #expect(try await responder.status == 0)
    }

    /// Garbage on the control connection: the responder names the problem and exits, no hang.
    @Test func garbageOnTheControlConnectionEndsTheResponderWithAnError() async throws {
        let port = try Iperf3Tool.freePort()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let started = Date()
        let address = try SocketAddress.resolve("127.0.0.1").with(port: UInt16(port))
        let socket = try TCPSocket.connect(to: address, timeout: .seconds(5))
        try socket.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nmore bytes than a cookie\r\n".utf8), deadline: .now + .seconds(5))
        let run = try await responder
        socket.close()
        #expect(run.status == 2)
        #expect(run.stderr.contains("test failed") && run.stderr.contains("iperf3 protocol"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 15)
    }
}
