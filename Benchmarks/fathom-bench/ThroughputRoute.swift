import FathomTestSupport

/// Where a throughput test runs: the address the client dials, the port, and how each side's
/// command is started (as is on loopback, under `ip netns exec` on a namespace path).
struct ThroughputRoute {
    var label: String
    var host: String
    var port: () -> Int
    var server: (_ argv: [String]) -> [String]
    var client: (_ argv: [String]) -> [String]

    /// Both ends on 127.0.0.1 in the bench's own namespace; a fresh unused port per test.
    static var loopback: ThroughputRoute {
        ThroughputRoute(
            label: "loopback 127.0.0.1", host: "127.0.0.1", port: { ListeningPort.unused() }, server: { $0 },
            client: { $0 })
    }

    /// Server in the path's server namespace, client in its client namespace.
    static func across(_ path: NetnsPath) -> ThroughputRoute {
        let routers = path.routers.count
        return ThroughputRoute(
            label:
                "veth path client -> \(routers) router\(routers == 1 ? "" : "s") -> server (\(path.serverAddress()))",
            host: path.serverAddress(), port: { 5201 },
            server: { path.command(in: path.server, $0) }, client: { path.command(in: path.client, $0) })
    }
}
