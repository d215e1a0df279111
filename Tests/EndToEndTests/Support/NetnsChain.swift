import Foundation

/// Three network namespaces, client — router — server, joined by veth pairs, with private test
/// addresses that exist only inside them:
///
/// ```
/// client 10.10.1.2 / fd00:1::2 ── 10.10.1.1 / fd00:1::1  router  10.10.2.1 / fd00:2::1 ── server 10.10.2.2 / fd00:2::2
/// ```
///
/// Names carry the test process id and a counter, so parallel runs never share a namespace.
/// `remove()` deletes the namespaces (and with them their veths) and any `/etc/netns/NAME` files
/// written with `writeEtc`; a failed setup removes what it made.
final class NetnsChain {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    let client: String, router: String, server: String
    /// Veth names (≤ 15 characters), used to change MTUs.
    let routerToServer: String, serverToRouter: String
    private var created: [String] = []
    /// `/etc/netns/NAME` directories made by `writeEtc`.
    private var etcDirectories: [String] = []

    /// Builds the chain, or returns nil with the reason when namespaces cannot be made here.
    static func make() throws -> (NetnsChain?, String) {
        guard let ip else { return (nil, "no ip(8) command") }
        let prefix = lock.withLock { counter += 1; return "ft\(getpid() % 100_000)\(counter)" }
        let chain = NetnsChain(prefix: prefix)
        let probe = try Shell.run([ip, "netns", "add", chain.client])
        guard probe.status == 0 else { return (nil, "ip netns add not permitted (\(probe.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))") }
        chain.created.append(chain.client)
        do {
            try chain.build()
        } catch {
            chain.remove()
            throw error
        }
        return (chain, "")
    }

    private init(prefix: String) {
        client = prefix + "c"
        router = prefix + "r"
        server = prefix + "s"
        routerToServer = prefix + "r1"
        serverToRouter = prefix + "s0"
    }

    private func build() throws {
        for ns in [router, server] {
            try ip("netns", "add", ns)
            created.append(ns)
        }
        let (c0, r0) = (client + "0", router + "0")
        for ns in [client, router, server] {
            // No DAD: link-local addresses are usable at once, so the first IPv6 probe is not held back.
            try exec(ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
            try exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
            // No ICMP rate limits: every probe gets its answer, so hop lists are deterministic.
            try exec(ns, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
            try exec(ns, "sysctl", "-qw", "net.ipv6.icmp.ratelimit=0")
        }
        try ip("link", "add", c0, "netns", client, "type", "veth", "peer", "name", r0, "netns", router)
        try ip("link", "add", serverToRouter, "netns", server, "type", "veth", "peer", "name", routerToServer, "netns", router)
        let addresses = [
            (client, c0, "10.10.1.2/24", "fd00:1::2/64"), (router, r0, "10.10.1.1/24", "fd00:1::1/64"),
            (router, routerToServer, "10.10.2.1/24", "fd00:2::1/64"), (server, serverToRouter, "10.10.2.2/24", "fd00:2::2/64"),
        ]
        for (ns, dev, v4, v6) in addresses {
            try ip("-n", ns, "addr", "add", v4, "dev", dev)
            try ip("-n", ns, "addr", "add", v6, "dev", dev, "nodad")
            try ip("-n", ns, "link", "set", dev, "up")
        }
        for ns in [client, router, server] { try ip("-n", ns, "link", "set", "lo", "up") }
        try ip("-n", client, "route", "add", "default", "via", "10.10.1.1")
        try ip("-n", client, "-6", "route", "add", "default", "via", "fd00:1::1")
        try ip("-n", server, "route", "add", "default", "via", "10.10.2.1")
        try ip("-n", server, "-6", "route", "add", "default", "via", "fd00:2::1")
        try exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        try exec(router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    }

    /// Runs `ip ARGS`, failing the setup on a non-zero exit.
    func ip(_ arguments: String...) throws {
        let result = try Shell.run([Self.ip!] + arguments)
        guard result.status == 0 else { throw SetupError(command: arguments.joined(separator: " "), stderr: result.stderr) }
    }

    /// Runs a command inside namespace `ns` (`ip netns exec`), failing on a non-zero exit.
    func exec(_ ns: String, _ arguments: String...) throws {
        try run(in: ns, arguments, check: true)
    }

    /// Runs a command inside namespace `ns` and returns its result.
    @discardableResult
    func run(in ns: String, _ arguments: [String], check: Bool = false, timeout: TimeInterval = 60) throws -> Shell.Result {
        let result = try Shell.run([Self.ip!, "netns", "exec", ns] + arguments, timeout: timeout)
        if check && result.status != 0 { throw SetupError(command: arguments.joined(separator: " "), stderr: result.stderr) }
        return result
    }

    /// Writes `/etc/netns/NS/NAME`, which `ip netns exec NS` bind-mounts over `/etc/NAME` (e.g.
    /// `hosts`, `resolv.conf`) for the commands it runs; removed again by `remove()`.
    func writeEtc(_ ns: String, _ name: String, _ contents: String) throws {
        let directory = "/etc/netns/" + ns
        if !etcDirectories.contains(directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            etcDirectories.append(directory)
        }
        try contents.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Deletes every namespace this chain made; deleting a namespace removes its veth ends.
    func remove() {
        for ns in created.reversed() { _ = try? Shell.run([Self.ip!, "netns", "del", ns]) }
        created = []
        for directory in etcDirectories { try? FileManager.default.removeItem(atPath: directory) }
        // /etc/netns itself goes too once no chain (of any run) has files there; rmdir keeps it otherwise.
        if !etcDirectories.isEmpty { rmdir("/etc/netns") }
        etcDirectories = []
    }

    struct SetupError: Error, CustomStringConvertible {
        var command: String, stderr: String
        var description: String { "netns setup failed: \(command): \(stderr)" }
    }
}
