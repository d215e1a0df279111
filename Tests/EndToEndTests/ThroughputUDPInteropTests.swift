import FathomAgent
import Foundation
import Testing

/// The built `fathom-agent` against the real iperf3 (3.12 on Debian 12) over UDP on 127.0.0.1,
/// both ways: `throughput --udp` against `iperf3 -s -1`, and `iperf3 -c -u` against
/// `responder --once`. What one side counted by itself (bytes, datagrams, the highest packet
/// number read from the other's headers, loss, jitter) must agree with the other side within 5%,
/// and both must hold the 50 Mbit/s per stream asked for. Prints SKIP where iperf3 is not installed.
@Suite(.serialized) struct ThroughputUDPInteropTests {
    private static let agent = Shell.binDirectory + "/fathom-agent"
    private static let rate = 50e6

    private func iperf3(_ test: String) -> String? {
        guard let path = Iperf3Tool.path else {
            print("SKIP \(test): iperf3 is not installed (apt-get install -y iperf3)")
            return nil
        }
        return path
    }

    /// What our side counted locally: bytes and the rise of the highest packet number, summed over
    /// the intervals (a receiver's intervals are its own counts).
    private static func localCounts(_ result: ThroughputResult) -> (bytes: Double, packets: Double) {
        (Double(result.intervals.reduce(0) { $0 + $1.summary.throughputBytes }), Double(result.intervals.reduce(0) { $0 + ($1.summary.sent ?? 0) }))
    }

    /// Loss counts agree within 5% of the datagrams, and stay under 5% themselves.
    private static func lossAgrees(_ ours: Int?, _ theirs: Double, packets: Double) -> Bool {
        guard let ours else { return false }
        return abs(Double(ours) - theirs) <= 0.05 * packets && Double(ours) <= 0.05 * packets
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func agentUDPClientAgainstIperf3Server(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = iperf3("agentUDPClientAgainstIperf3Server") else { return }
        let port = try Iperf3Tool.freePort()
        async let server = Iperf3Tool.run([iperf3, "-s", "-1", "-p", "\(port)", "-J"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let client = try await Iperf3Tool.run(
            [Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--udp", "--bandwidth", "50M", "--duration", "2", "--parallel", "\(parallel)", "--json"]
                + (reverse ? ["--reverse"] : []), timeout: 30)
        let serverRun = try await server
        #expect(client.status == 0, "\(client.stderr)")
        let result = try ThroughputResult.decode(json: client.stdout)
        let ours = try #require(result.summary)
        let theirs = try Iperf3UDPSums(json: serverRun.stdout)
        let target = Self.rate * Double(parallel)
        if reverse {
            // iperf3 sent; we received and read its headers.
            let local = Self.localCounts(result)
            #expect(Iperf3Tool.agree(local.bytes, theirs.sent.bytes), "we received \(local.bytes) B, iperf3 sent \(theirs.sent.bytes) B")
            #expect(Iperf3Tool.agree(local.packets, theirs.sent.packets), "highest packet number \(local.packets), iperf3 sent \(theirs.sent.packets)")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.sent.packets))
            #expect(Self.lossAgrees(ours.summary.lost, 0, packets: theirs.sent.packets), "lost \(String(describing: ours.summary.lost))")
            #expect(Iperf3Tool.agree(try #require(ours.summary.receiverThroughputBits), theirs.sent.bitsPerSecond))
        } else {
            // We sent, paced; iperf3 received and counted by itself.
            #expect(Iperf3Tool.agree(Double(ours.summary.throughputBytes), theirs.received.bytes), "we sent \(ours.summary.throughputBytes) B, iperf3 received \(theirs.received.bytes) B")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.received.packets), "we sent \(String(describing: ours.summary.sent)), iperf3 saw \(theirs.received.packets)")
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.received.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            // The jitter we report is the one iperf3 measured on our datagrams.
            for (mine, its) in zip(ours.streams.map { $0.jitter ?? -1 }, theirs.streamJitterMilliseconds) {
                #expect(abs(mine - its) <= max(0.001, 0.05 * its), "jitter ours \(mine) ms, iperf3 \(its) ms")
            }
            #expect(Iperf3Tool.agree(ours.summary.throughputBits, target), "paced to \(ours.summary.throughputBits) bit/s, asked \(target)")
            #expect(Iperf3Tool.agree(theirs.received.bitsPerSecond, target), "iperf3 received \(theirs.received.bitsPerSecond) bit/s, asked \(target)")
        }
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func iperf3UDPClientAgainstAgentResponder(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = iperf3("iperf3UDPClientAgainstAgentResponder") else { return }
        let port = try Iperf3Tool.freePort()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once", "--json"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let client = try await Iperf3Tool.run(
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-u", "-b", "50M", "-t", "2", "-P", "\(parallel)", "-J"] + (reverse ? ["-R"] : []), timeout: 30)
        let responderRun = try await responder
        #expect(client.status == 0 && responderRun.status == 0, "\(client.stdout.prefix(400)) \(responderRun.stderr)")
        let theirs = try Iperf3UDPSums(json: client.stdout)
        let result = try ThroughputResult.decode(json: responderRun.stdout)
        let ours = try #require(result.summary)
        let target = Self.rate * Double(parallel)
        if reverse {
            // We sent, paced; iperf3 received and read our headers.
            #expect(Iperf3Tool.agree(Double(ours.summary.throughputBytes), theirs.received.bytes), "we sent \(ours.summary.throughputBytes) B, iperf3 received \(theirs.received.bytes) B")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.received.packets), "we sent \(String(describing: ours.summary.sent)), iperf3 saw up to \(theirs.received.packets)")
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.received.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            #expect(theirs.streamJitterMilliseconds.count == parallel && theirs.streamJitterMilliseconds.allSatisfy { $0 >= 0 && $0 < 10 }, "\(theirs.streamJitterMilliseconds)")
            #expect(Iperf3Tool.agree(ours.summary.throughputBits, target), "paced to \(ours.summary.throughputBits) bit/s, asked \(target)")
            #expect(Iperf3Tool.agree(theirs.received.bitsPerSecond, target), "iperf3 received \(theirs.received.bitsPerSecond) bit/s, asked \(target)")
        } else {
            // iperf3 sent; we received and counted by ourselves.
            let local = Self.localCounts(result)
            #expect(Iperf3Tool.agree(local.bytes, theirs.sent.bytes), "we received \(local.bytes) B, iperf3 sent \(theirs.sent.bytes) B")
            #expect(Iperf3Tool.agree(local.packets, theirs.sent.packets), "highest packet number \(local.packets), iperf3 sent \(theirs.sent.packets)")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.sent.packets))
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.sent.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            #expect(abs((ours.summary.jitter ?? -1) - theirs.received.jitterMilliseconds) <= max(0.001, 0.05 * theirs.received.jitterMilliseconds))
        }
    }

    /// A UDP test the responder cannot run (a byte limit, `-n`): the real client hears
    /// SERVER_ERROR and says so, the responder names the reason and exits 2; nobody hangs.
    @Test func iperf3UDPTestWithAByteLimitIsRefusedClearly() async throws {
        guard let iperf3 = iperf3("iperf3UDPTestWithAByteLimitIsRefusedClearly") else { return }
        let port = try Iperf3Tool.freePort()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let started = Date()
        let client = try await Iperf3Tool.run([iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-u", "-n", "1M"], timeout: 30)
        let run = try await responder
        #expect(client.status != 0)
        #expect((client.stdout + client.stderr).contains("not implemented yet"), "\(client.stdout) \(client.stderr)")
        #expect(run.status == 2 && run.stderr.contains("byte or block limits are not implemented"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
