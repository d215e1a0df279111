import FathomAgent
import Foundation
import Testing

/// The built `fathom-agent` against the real iperf3 (3.12 on Debian 12) over UDP on 127.0.0.1,
/// both ways: `throughput --udp` against `iperf3 -s -1`, and `iperf3 -c -u` against
/// `responder --once`. What one side counted by itself (bytes, datagrams, the highest packet
/// number read from the other's headers, loss, jitter) must agree with the other side within 5%,
/// and the sender must hold the 50 Mbit/s per stream asked for. Prints SKIP where iperf3 is not installed.
@Suite(.serialized) struct ThroughputUDPInteropTests {
    private static let agent = Shell.binDirectory + "/fathom-agent"
    private static let rate = 50e6

    /// What our side counted locally: bytes and the rise of the highest packet number, summed over
    /// the intervals (a receiver's intervals are its own counts).
    private static func localCounts(_ result: ThroughputResult) -> (bytes: Double, packets: Double) {
        (Double(result.intervals.reduce(0) { $0 + $1.summary.throughputBytes }), Double(result.intervals.reduce(0) { $0 + ($1.summary.sent ?? 0) }))
    }

    /// Loss counts agree within 5% of the datagrams. How much was lost is the host's business (a
    /// receiver starved of CPU on a busy CI machine drops datagrams); both sides must count it alike.
    private static func lossAgrees(_ ours: Int?, _ theirs: Double, packets: Double) -> Bool {
        guard let ours else { return false }
        return abs(Double(ours) - theirs) <= 0.05 * packets
    }

    /// The bytes a receiver should have counted of `sentBytes` when `lost` of `packets` datagrams were lost.
    private static func delivered(_ sentBytes: Double, lost: Double, packets: Double) -> Double {
        packets > 0 ? sentBytes * (1 - lost / packets) : sentBytes
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func agentUDPClientAgainstIperf3Server(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("agentUDPClientAgainstIperf3Server") else { return }
        let (serverRun, client) = try await Iperf3Tool.serverThenClient(server: { [iperf3, "-s", "-1", "-p", "\($0)", "-J"] }) { port in
            [Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--udp", "--bandwidth", "50M", "--duration", "2", "--parallel", "\(parallel)", "--json"]
                + (reverse ? ["--reverse"] : [])
        }
        #expect(client.status == 0, "\(client.stderr)")
        let result = try ThroughputResult.decode(json: client.stdout)
        let ours = try #require(result.summary)
        let theirs = try Iperf3UDPSums(json: serverRun.stdout)
        let target = Self.rate * Double(parallel)
        if reverse {
            // iperf3 sent; we received and read its headers.
            let local = Self.localCounts(result)
            let expected = Self.delivered(theirs.sent.bytes, lost: Double(ours.summary.lost ?? 0), packets: theirs.sent.packets)
            #expect(Iperf3Tool.agree(local.bytes, expected), "we received \(local.bytes) B, iperf3 sent \(theirs.sent.bytes) B")
            #expect(Iperf3Tool.agree(local.packets, theirs.sent.packets), "highest packet number \(local.packets), iperf3 sent \(theirs.sent.packets)")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.sent.packets))
            #expect(Self.lossAgrees(ours.summary.lost, 0, packets: theirs.sent.packets), "lost \(String(describing: ours.summary.lost))")
            #expect(Iperf3Tool.agree(try #require(ours.summary.receiverThroughputBits), theirs.sent.bitsPerSecond))
        } else {
            // We sent, paced; iperf3 received and counted by itself.
            let expected = Self.delivered(Double(ours.summary.throughputBytes), lost: theirs.received.lost, packets: theirs.received.packets)
            #expect(Iperf3Tool.agree(expected, theirs.received.bytes), "we sent \(ours.summary.throughputBytes) B, iperf3 received \(theirs.received.bytes) B")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.received.packets), "we sent \(String(describing: ours.summary.sent)), iperf3 saw \(theirs.received.packets)")
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.received.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            // The jitter we report is the one iperf3 measured on our datagrams.
            for (mine, its) in zip(ours.streams.map { $0.jitter ?? -1 }, theirs.streamJitterMilliseconds) {
                #expect(abs(mine - its) <= max(0.001, 0.05 * its), "jitter ours \(mine) ms, iperf3 \(its) ms")
            }
            #expect(Iperf3Tool.agree(ours.summary.throughputBits, target), "paced to \(ours.summary.throughputBits) bit/s, asked \(target)")
        }
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func iperf3UDPClientAgainstAgentResponder(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("iperf3UDPClientAgainstAgentResponder") else { return }
        let (responderRun, client) = try await Iperf3Tool.serverThenClient(server: { [Self.agent, "responder", "--port", "\($0)", "--once", "--json"] }) { port in
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-u", "-b", "50M", "-t", "2", "-P", "\(parallel)", "-J"] + (reverse ? ["-R"] : [])
        }
        #expect(client.status == 0 && responderRun.status == 0, "\(client.stdout.prefix(400)) \(responderRun.stderr)")
        let theirs = try Iperf3UDPSums(json: client.stdout)
        let result = try ThroughputResult.decode(json: responderRun.stdout)
        let ours = try #require(result.summary)
        let target = Self.rate * Double(parallel)
        if reverse {
            // We sent, paced; iperf3 received and read our headers.
            let expected = Self.delivered(Double(ours.summary.throughputBytes), lost: theirs.received.lost, packets: theirs.received.packets)
            #expect(Iperf3Tool.agree(expected, theirs.received.bytes), "we sent \(ours.summary.throughputBytes) B, iperf3 received \(theirs.received.bytes) B")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.received.packets), "we sent \(String(describing: ours.summary.sent)), iperf3 saw up to \(theirs.received.packets)")
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.received.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            #expect(theirs.streamJitterMilliseconds.count == parallel && theirs.streamJitterMilliseconds.allSatisfy { $0 >= 0 && $0 < 100 }, "\(theirs.streamJitterMilliseconds)")
            #expect(Iperf3Tool.agree(ours.summary.throughputBits, target), "paced to \(ours.summary.throughputBits) bit/s, asked \(target)")
        } else {
            // iperf3 sent; we received and counted by ourselves.
            let local = Self.localCounts(result)
            let expected = Self.delivered(theirs.sent.bytes, lost: Double(ours.summary.lost ?? 0), packets: theirs.sent.packets)
            #expect(Iperf3Tool.agree(local.bytes, expected), "we received \(local.bytes) B, iperf3 sent \(theirs.sent.bytes) B")
            #expect(Iperf3Tool.agree(local.packets, theirs.sent.packets), "highest packet number \(local.packets), iperf3 sent \(theirs.sent.packets)")
            #expect(Iperf3Tool.agree(Double(ours.summary.sent ?? 0), theirs.sent.packets))
            #expect(Self.lossAgrees(ours.summary.lost, theirs.received.lost, packets: theirs.sent.packets), "ours \(String(describing: ours.summary.lost)), iperf3 \(theirs.received.lost)")
            #expect(abs((ours.summary.jitter ?? -1) - theirs.received.jitterMilliseconds) <= max(0.001, 0.05 * theirs.received.jitterMilliseconds))
        }
    }

    /// A UDP test the responder cannot run (a byte limit, `-n`): the real client hears
    /// SERVER_ERROR and says so, the responder names the reason and exits 2; nobody hangs.
    @Test func iperf3UDPTestWithAByteLimitIsRefusedClearly() async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("iperf3UDPTestWithAByteLimitIsRefusedClearly") else { return }
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
