import Foundation

/// The agent's iperf3-protocol client and responder against `iperf3 -c` and `iperf3 -s` on one
/// route: both as two processes, one stream, the same duration, tests alternating (ABBA order,
/// so drift on a shared machine falls on both), medians (nearest rank) of the receiver's rate compared.
struct ThroughputComparison {
    /// The agent must move at least this share of what iperf3 moves over the same path.
    static let ratioBar = 0.95

    var agent: ThroughputTool
    var reference: ThroughputTool
    var seconds: Int
    var rounds: Int
    var scratch: String

    /// What one tool measured over the rounds.
    struct Figures {
        var bits: [Double] = []
        var cpu: [Double] = []
        var medianGbits: Double { Percentiles(bits).value(at: 50) / 1e9 }
        var medianCPU: Double { Percentiles(cpu).value(at: 50) }
    }

    /// Runs the rounds, prints the figures and returns the ratio agent / reference.
    @discardableResult
    func run(on route: ThroughputRoute) throws -> Double {
        print("    \(route.label): 1 stream, \(seconds) s per test, \(rounds) test(s) per tool, alternating")
        var mine = Figures()
        var theirs = Figures()
        for round in 0..<rounds {
            let order = round % 2 == 0 ? [true, false] : [false, true]
            for isAgent in order {
                let (bits, cpu) = try trial(isAgent ? agent : reference, on: route, label: "\(round)")
                if isAgent {
                    mine.bits.append(bits)
                    mine.cpu.append(cpu)
                } else {
                    theirs.bits.append(bits)
                    theirs.cpu.append(cpu)
                }
            }
        }
        let ratio = mine.medianGbits / theirs.medianGbits
        print("    \(line(agent, mine))")
        print("    \(line(reference, theirs))")
        print(
            "    ratio fathom-agent / iperf3 (median receiver rate) = \(fmt(ratio, 3)); "
                + "bar >= \(fmt(Self.ratioBar)): \(verdict(ratio >= Self.ratioBar))")
        return ratio
    }

    private func line(_ tool: ThroughputTool, _ figures: Figures) -> String {
        let runs = figures.bits.map { fmt($0 / 1e9) }.joined(separator: ", ")
        return
            "\(tool.name.padding(toLength: 12, withPad: " ", startingAt: 0)) median \(fmt(figures.medianGbits)) Gbit/s received "
            + "(tests: \(runs)); CPU client+server \(fmt(figures.medianCPU)) s per test"
    }

    /// One test: server started and awaited, client run to its end, server reaped. Returns the
    /// receiver's bits per second and the CPU both processes used.
    private func trial(_ tool: ThroughputTool, on route: ThroughputRoute, label: String) throws -> (Double, Double) {
        let port = route.port()
        let before = ResourceUsage.childrenCPU()
        let server = try BackgroundProcess(
            route.server(tool.serverArguments(port)), name: "\(tool.name)-server-\(label)", in: scratch)
        defer { server.kill() }
        try ListeningPort.await(server, port: port)
        let client = try BackgroundProcess(
            route.client(tool.clientArguments(route.host, port, seconds)), name: "\(tool.name)-client-\(label)",
            in: scratch)
        defer { client.kill() }
        let status = try client.wait(timeout: .seconds(seconds + 60))
        guard status == 0 else {
            throw Subprocess.Failure(
                description:
                    "\(client.argv.joined(separator: " ")) \(client.exitDescription): \(client.errors)\(client.output)")
        }
        try server.wait(timeout: .seconds(20))
        let cpu = ResourceUsage.childrenCPU() - before
        return (try tool.receiverBitsPerSecond(client.output), cpu.total)
    }
}
