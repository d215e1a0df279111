import Foundation

/// `fathom-bench network` part (f): `fathom-agent rtt` against iputils `ping` on loopback, the
/// same 100 echo requests at 10 ms (issue 12's figure: `ping -c 100 -i 0.01`), the tools
/// alternating, median wall and CPU per run, and the loss and mean RTT each reports.
struct RTTComparison {
    var agentBinary: String
    var ping: String
    var runs: Int
    var count = 100
    var interval = "0.01"
    var dest = "127.0.0.1"

    func run() throws {
        let agentArgv = [agentBinary, "rtt", dest, "-c", "\(count)", "-i", interval, "--json"]
        let pingArgv = [ping, "-n", "-q", "-c", "\(count)", "-i", interval, dest]
        print("    \(count) echo requests at \(interval) s to \(dest), \(runs) timed run(s) per tool, alternating")
        var agent = TraceComparison.Runs()
        var reference = TraceComparison.Runs()
        for index in 0..<runs {
            if index % 2 == 0 {
                try agent.time(agentArgv)
                try reference.time(pingArgv)
            } else {
                try reference.time(pingArgv)
                try agent.time(agentArgv)
            }
        }
        let agentOut = try Subprocess.output(agentArgv[0], Array(agentArgv.dropFirst()))
        let pingOut = try Subprocess.output(pingArgv[0], Array(pingArgv.dropFirst()))
        print("      fathom-agent rtt     \(agent.summary)")
        print("      ping -q              \(reference.summary)")
        print(
            "      fathom-agent reports \(Self.field("loss", in: agentOut) ?? "?") loss, mean \(Self.field("mean", in: agentOut) ?? "?")"
        )
        let pingSummary = pingOut.split(separator: "\n").filter { $0.contains("loss") || $0.contains("rtt") }
        print("      ping reports         \(pingSummary.joined(separator: "; "))")
        print(
            "      ratio fathom-agent / ping (median wall) = \(fmt(agent.medianWall / reference.medianWall, 3)), "
                + "(median CPU) = \(fmt(Percentiles(agent.cpu).value(at: 50) / max(0.001, Percentiles(reference.cpu).value(at: 50)), 3))"
        )
    }

    /// The text of a top-level JSON member in the agent's one-line output (`"loss":0.0` → `0.0`).
    static func field(_ name: String, in json: String) -> String? {
        guard let range = json.range(of: "\"\(name)\":") else { return nil }
        let rest = json[range.upperBound...]
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return String(rest[..<end]).replacing("\"", with: "")
    }
}
