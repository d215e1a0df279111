import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The built `fathom-agent` against the real iperf3 (3.12 on Debian 12) over UDP on 127.0.0.1,
/// both ways: `throughput --udp` against `iperf3 -s -1`, and `iperf3 -c -u` against
/// `responder --once`. What our side counted by itself (bytes, datagrams, the highest packet
/// number read from iperf3's headers, loss, jitter) must agree within 5 % with what iperf3
/// counted **on its own side** (`Iperf3Agreement`), never with iperf3's copy of our figures; a
/// responder made to miscount (`FATHOM_TEST_MISCOUNT_BYTES`) is caught. The sender is paced to
/// 50 Mbit/s per stream; how exactly it holds that is fathom-bench's business (`network`), here
/// only that it paced at all. Needs iperf3 (`Prerequisite.unavailable` without it).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ThroughputUDPInteropTests {
    private static let agent = Shell.binDirectory + "/fathom-agent"
    private static let rate = 50e6

    /// Paced, functionally: above nothing and far below loopback's line rate (many Gbit/s).
    private static func paced(_ result: ThroughputResult, parallel: Int) -> Bool {
        guard let bits = result.summary?.summary.throughputBits else { return false }
        return bits > 0.2 * rate * Double(parallel) && bits < 3 * rate * Double(parallel)
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func agentUDPClientCountsAgreeWithIperf3ServersOwn(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("agentUDPClientCountsAgreeWithIperf3ServersOwn") else { return }
        let (serverRun, client) = try await Iperf3Tool.serverThenClient(
            server: {
                [iperf3, "-s", "-1", "-p", "\($0)", "-J"]
            },
            client: { port in
                [
                    Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--udp", "--bandwidth", "50M",
                    "--duration",
                    "2", "--parallel", "\(parallel)", "--json",
                ]
                    + (reverse ? ["--reverse"] : [])
            })
        #expect(client.status == 0, "\(client.stderr)")
        let ours = try ThroughputResult.decode(json: client.stdout)
        let problems = try Iperf3Agreement.udp(
            ours: ours, weSent: !reverse, iperf3JSON: serverRun.stdout, iperf3IsClient: false)
        #expect(problems.isEmpty, "\(problems)")
        if !reverse { #expect(Self.paced(ours, parallel: parallel), "\(String(describing: ours.summary?.summary))") }
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func responderUDPCountsAgreeWithIperf3ClientsOwn(reverse: Bool, parallel: Int) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("responderUDPCountsAgreeWithIperf3ClientsOwn") else { return }
        let (ours, iperf3JSON) = try await Self.iperf3AgainstResponder(iperf3, reverse: reverse, parallel: parallel)
        let problems = try Iperf3Agreement.udp(
            ours: ours, weSent: reverse, iperf3JSON: iperf3JSON, iperf3IsClient: true)
        #expect(problems.isEmpty, "\(problems)")
        if reverse {
            #expect(Self.paced(ours, parallel: parallel), "\(String(describing: ours.summary?.summary))")
            let theirs = try Iperf3UDPSums(json: iperf3JSON)
            #expect(
                theirs.streamJitterMilliseconds.count == parallel
                    && theirs.streamJitterMilliseconds.allSatisfy { $0 >= 0 }, "\(theirs.streamJitterMilliseconds)")
        }
    }

    /// The same comparison against a responder that counts every byte 25 % too high, in its
    /// report and in the results it gives iperf3: the bytes check against iperf3's own count
    /// catches it, both when the responder receives and when it sends.
    @Test(arguments: [false, true])
    func miscountingUDPResponderIsCaughtByIperf3sOwnCount(reverse: Bool) async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("miscountingUDPResponderIsCaughtByIperf3sOwnCount") else { return }
        let (ours, iperf3JSON) = try await Self.iperf3AgainstResponder(
            iperf3, reverse: reverse, parallel: 1, environment: [ResponderMiscount.bytesVariable + "=1.25"])
        let problems = try Iperf3Agreement.udp(
            ours: ours, weSent: reverse, iperf3JSON: iperf3JSON, iperf3IsClient: true)
        #expect(problems.contains { $0.hasPrefix("bytes:") }, "\(problems)")
    }

    /// `iperf3 -c -u` at 50 Mbit/s per stream against `responder --once` (with `environment` for
    /// the responder): our decoded result and iperf3's `-J` output, after checking both exited 0.
    private static func iperf3AgainstResponder(
        _ iperf3: String, reverse: Bool, parallel: Int, environment: [String] = []
    ) async throws -> (ThroughputResult, String) {
        try await Iperf3Tool.clientAgainstResponder(agent: Self.agent, environment: environment) { port in
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-u", "-b", "50M", "-t", "2", "-P", "\(parallel)", "-J"]
                + (reverse ? ["-R"] : [])
        }
    }

    /// A UDP test the responder cannot run (a byte limit, `-n`): the real client hears
    /// SERVER_ERROR and says so, the responder names the reason and exits 2; nobody hangs.
    @Test func iperf3UDPTestWithAByteLimitIsRefusedClearly() async throws {
        guard let iperf3 = try Iperf3Tool.pathOrSkip("iperf3UDPTestWithAByteLimitIsRefusedClearly") else { return }
        let port = try TestPorts.take()
        async let responder = Iperf3Tool.run([Self.agent, "responder", "--port", "\(port)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let started = Date()
        let client = try await Iperf3Tool.run(
            [iperf3, "-c", "127.0.0.1", "-p", "\(port)", "-u", "-n", "1M"], timeout: 30)
        let run = try await responder
        #expect(client.status != 0)
        #expect((client.stdout + client.stderr).contains("not implemented yet"), "\(client.stdout) \(client.stderr)")
        #expect(run.status == 2 && run.stderr.contains("a byte or block count are not implemented"), "\(run.stderr)")
        // No hang: refused at once, far inside the responder's 10 s control timeout on a loaded machine.
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
