import FathomAgent
import Foundation

/// How closely a paced UDP sender holds its `-b` rate, and how much the receiver loses, for the
/// agent (`throughput --udp` against its own `responder --once`) and iperf3 (`-c -u` against
/// `-s -1`) on loopback, measured in the same run, alternating. These figures used to be unit-test
/// assertions (pacing ±5 %, loss ≤ 5 %), which a loaded machine failed; here they are printed.
struct UDPPacingComparison {
    var agent: String
    var iperf3: String
    var bitsPerSecond: Int
    var seconds: Int
    var rounds: Int
    var scratch: String

    /// One test's figures: the sender's own rate and the receiver's loss.
    struct Trial {
        var senderBits: Double
        var lostPercent: Double
    }

    func run() throws {
        let target = Double(bitsPerSecond)
        print(
            "    loopback, 1 stream, -b \(fmt(target / 1e6, 0)) Mbit/s, \(seconds) s per test, \(rounds) test(s) per tool, alternating"
        )
        var mine: [Trial] = []
        var theirs: [Trial] = []
        for round in 0..<rounds {
            for isAgent in round % 2 == 0 ? [true, false] : [false, true] {
                if isAgent { mine.append(try agentTrial(round)) } else { theirs.append(try iperf3Trial(round)) }
            }
        }
        for (name, trials) in [("fathom-agent", mine), ("iperf3", theirs)] {
            let rate = Percentiles(trials.map(\.senderBits)).value(at: 50)
            let loss = Percentiles(trials.map(\.lostPercent)).value(at: 50)
            print(
                "    \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) median sender rate \(fmt(rate / 1e6)) Mbit/s "
                    + "(\(fmt((rate / target - 1) * 100, 1)) % from -b), median loss \(fmt(loss, 2)) %")
        }
    }

    private func agentTrial(_ round: Int) throws -> Trial {
        let json = try trial(
            server: { [agent, "responder", "--port", "\($0)", "--once"] },
            client: {
                [
                    agent, "throughput", "127.0.0.1", "--port", "\($0)", "--udp", "--bandwidth", "\(bitsPerSecond)",
                    "--duration", "\(seconds)", "--json",
                ]
            },
            label: "agent-udp-\(round)")
        let result = try ThroughputResult.decode(json: json)
        guard result.succeeded, let summary = result.summary?.summary, let sent = summary.sent, sent > 0 else {
            throw Subprocess.Failure(description: "fathom-agent throughput --udp failed: \(result.error ?? json)")
        }
        return Trial(senderBits: summary.throughputBits, lostPercent: Double(summary.lost ?? 0) * 100 / Double(sent))
    }

    private func iperf3Trial(_ round: Int) throws -> Trial {
        let json = try trial(
            server: { [iperf3, "-s", "-1", "-p", "\($0)"] },
            client: {
                [
                    iperf3, "-c", "127.0.0.1", "-p", "\($0)", "-u", "-b", "\(bitsPerSecond)", "-t", "\(seconds)",
                    "--json",
                ]
            },
            label: "iperf3-udp-\(round)")
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let end = root?["end"] as? [String: Any]
        guard let bits = (end?["sum_sent"] as? [String: Any])?["bits_per_second"] as? Double,
            let lost = ((end?["sum_received"] ?? end?["sum"]) as? [String: Any])?["lost_percent"] as? Double
        else { throw Subprocess.Failure(description: "iperf3 -c -u gave no end sums: \(root?["error"] ?? json)") }
        return Trial(senderBits: bits, lostPercent: lost)
    }

    /// Server started and awaited, client run to its end, server reaped; the client's stdout.
    private func trial(server: (Int) -> [String], client: (Int) -> [String], label: String) throws -> String {
        let port = ThroughputRoute.loopback.port()
        let serverProcess = try BackgroundProcess(server(port), name: "\(label)-server", in: scratch)
        defer { serverProcess.kill() }
        try ListeningPort.await(serverProcess, port: port)
        let clientProcess = try BackgroundProcess(client(port), name: "\(label)-client", in: scratch)
        defer { clientProcess.kill() }
        let status = try clientProcess.wait(timeout: .seconds(seconds + 60))
        guard status == 0 else {
            throw Subprocess.Failure(
                description:
                    "\(clientProcess.argv.joined(separator: " ")) \(clientProcess.exitDescription): \(clientProcess.errors)\(clientProcess.output)"
            )
        }
        try serverProcess.wait(timeout: .seconds(20))
        return clientProcess.output
    }
}
