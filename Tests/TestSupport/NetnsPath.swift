import Foundation
import Synchronization

/// A line of network namespaces, client — router 1 — … — router N — server, joined by veth pairs,
/// with private addresses that exist only inside them. With two routers:
///
/// ```
/// client 10.10.1.2 ── 10.10.1.1 r1 10.10.2.1 ── 10.10.2.2 r2 10.10.3.1 ── 10.10.3.2 server
/// ```
///
/// Link k (counted from the client, 1-based) is 10.10.k.0/24 and fd00:k::/64. On link 1 the client
/// is .2 and its gateway .1; on every later link the end toward the client is .1 and the end
/// toward the server .2 (with one router this is the layout of the end-to-end tests' chain).
/// Routers forward both families and know every link's subnet; ICMP rate limits and duplicate
/// address detection are off, so every probe is answered and IPv6 works at once.
///
/// Names carry a prefix (the process id and a counter unless given), so parallel runs never
/// share a namespace. `remove()` deletes the namespaces, and with them their veths; a failed
/// setup removes what it made before throwing.
///
/// ```swift
/// let path = try NetnsPath.make(routers: 2)
/// defer { path.remove() }
/// let argv = path.command(in: path.client, ["tracepath", "-n", path.serverAddress()])
/// ```
public final class NetnsPath: @unchecked Sendable {
    /// Why a path could not be built: `unavailable` where namespaces cannot be made at all (no
    /// `ip`, or the first `ip netns add` refused with EPERM/EACCES: no privilege; callers go
    /// through `Prerequisite.unavailable`), `setup` for any other failure, which fails the test.
    public enum Failure: Error, CustomStringConvertible {
        case unavailable(String)
        case setup(command: String, stderr: String)

        public var description: String {
            switch self {
            case .unavailable(let reason): return "network namespaces unavailable: \(reason)"
            case .setup(let command, let stderr):
                return "netns setup failed: \(command): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
        }
    }

    /// One end of a veth pair.
    public struct Endpoint: Sendable, Equatable {
        public var namespace: String
        public var device: String
        public var ipv4: String
        public var ipv6: String
    }

    /// A veth pair: `left` is the end toward the client.
    public struct Link: Sendable, Equatable {
        /// 1-based, counted from the client; also the third octet of its IPv4 subnet.
        public var number: Int
        public var left: Endpoint
        public var right: Endpoint
    }

    /// The first `ip` found in the usual places; nil where iproute2 is not installed.
    public static let ipCommand = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    private static let counter = Atomic<Int>(0)
    /// Set before any link exists, so the veths inherit them: no duplicate address detection
    /// (addresses usable at once) and no ICMP rate limits (every probe answered, hop lists
    /// deterministic).
    private static let everyNamespace = [
        "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0",
        "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
    ]
    private static let everyRouter = ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]

    public let client: String
    public let routers: [String]
    public let server: String
    public let links: [Link]
    private let ip: String
    private let made = Mutex<[String]>([])

    /// Client, routers, server: the order of the line.
    public var namespaces: [String] { [client] + routers + [server] }

    /// Builds a path with `routers` routers (0 joins client and server directly). `prefix` (at
    /// most 10 characters, so veth names fit in 15) defaults to one unique to this process.
    public static func make(routers: Int, prefix: String? = nil) throws(Failure) -> NetnsPath {
        guard (0...98).contains(routers) else {
            throw .setup(command: "make(routers: \(routers))", stderr: "0...98 routers")
        }
        guard let ip = ipCommand else { throw .unavailable("no ip(8) command") }
        let name = prefix ?? "np\(getpid() % 100_000)x\(counter.add(1, ordering: .relaxed).newValue)"
        guard !name.isEmpty, name.count <= 10 else {
            throw .setup(command: "make(prefix: \(name))", stderr: "prefix must be 1...10 characters")
        }
        let path = NetnsPath(prefix: name, routers: routers, ip: ip)
        do {
            try path.build()
        } catch {
            path.remove()
            throw error
        }
        return path
    }

    private init(prefix: String, routers count: Int, ip: String) {
        self.ip = ip
        client = prefix + "c"
        routers = (0..<count).map { prefix + "r\($0 + 1)" }
        server = prefix + "s"
        let nodes = [client] + routers + [server]
        links = (1..<nodes.count).map { k in
            // On link 1 the client is .2 behind its gateway .1; elsewhere the client side is .1.
            let (leftHost, rightHost) = k == 1 ? (2, 1) : (1, 2)
            return Link(
                number: k,
                left: Endpoint(
                    namespace: nodes[k - 1], device: prefix + "v\(k)a", ipv4: "10.10.\(k).\(leftHost)",
                    ipv6: "fd00:\(k)::\(leftHost)"),
                right: Endpoint(
                    namespace: nodes[k], device: prefix + "v\(k)b", ipv4: "10.10.\(k).\(rightHost)",
                    ipv6: "fd00:\(k)::\(rightHost)"))
        }
    }

    /// The client's address on link 1.
    public func clientAddress(ipv6: Bool = false) -> String { address(links[0].left, ipv6) }

    /// The server's address on the last link.
    public func serverAddress(ipv6: Bool = false) -> String { address(links[links.count - 1].right, ipv6) }

    /// What a trace from the client lists: each router's address on its link toward the client
    /// (Linux answers from the interface that routes back to the sender), then the server.
    public func hopAddresses(ipv6: Bool = false) -> [String] {
        links.dropLast().map { address($0.right, ipv6) } + [serverAddress(ipv6: ipv6)]
    }

    /// `argv` wrapped in `ip netns exec NS`, to spawn however the caller likes.
    public func command(in namespace: String, _ argv: [String]) -> [String] {
        [ip, "netns", "exec", namespace] + argv
    }

    /// Runs `ip ARGUMENTS`, throwing on a non-zero exit.
    public func ip(_ arguments: String...) throws(Failure) {
        try Self.check([ip] + arguments)
    }

    /// Runs a command inside `namespace`, throwing on a non-zero exit.
    public func exec(_ namespace: String, _ arguments: String...) throws(Failure) {
        try Self.check(command(in: namespace, arguments))
    }

    /// `exec` with the arguments as an array.
    public func exec(_ namespace: String, _ arguments: [String]) throws(Failure) {
        try Self.check(command(in: namespace, arguments))
    }

    /// Deletes every namespace this path made (their veths go with them). Safe to call twice.
    public func remove() {
        let names = made.withLock { names in
            defer { names = [] }
            return names
        }
        for namespace in names.reversed() { _ = try? Self.check([ip, "netns", "del", namespace]) }
    }

    private func build() throws(Failure) {
        // The first namespace doubles as the permission probe; only a refusal for want of
        // privilege means "not possible here", any other failure is a failed setup.
        do {
            try Self.check([ip, "netns", "add", client])
        } catch {
            guard case .setup(_, let stderr) = error,
                Prerequisite.mentions(stderr, errno: EPERM) || Prerequisite.mentions(stderr, errno: EACCES)
            else { throw error }
            throw .unavailable("ip netns add: \(error)")
        }
        made.withLock { $0.append(client) }
        for namespace in routers + [server] {
            try ip("netns", "add", namespace)
            made.withLock { $0.append(namespace) }
        }
        for namespace in namespaces {
            try Self.check(command(in: namespace, ["sysctl", "-qw"] + Self.everyNamespace))
            try ip("-n", namespace, "link", "set", "lo", "up")
        }
        for router in routers { try Self.check(command(in: router, ["sysctl", "-qw"] + Self.everyRouter)) }
        for link in links {
            try ip(
                "link", "add", link.left.device, "netns", link.left.namespace, "type", "veth",
                "peer", "name", link.right.device, "netns", link.right.namespace)
            for end in [link.left, link.right] {
                // Up before the addresses: an IPv6 address added to a down veth made the first
                // neighbour solicitation go unanswered, so the first IPv6 packet waited 1 s.
                try ip("-n", end.namespace, "link", "set", end.device, "up")
                try ip("-n", end.namespace, "addr", "add", end.ipv4 + "/24", "dev", end.device)
                try ip("-n", end.namespace, "addr", "add", end.ipv6 + "/64", "dev", end.device, "nodad")
            }
        }
        try addRoutes()
    }

    /// Client and server route everything to their neighbour; router r (node r of the line)
    /// reaches links left of it through its left neighbour and links right of it through its right.
    private func addRoutes() throws(Failure) {
        for v6 in [false, true] {
            let family = v6 ? "-6" : "-4"
            try ip("-n", client, family, "route", "add", "default", "via", address(links[0].right, v6))
            try ip("-n", server, family, "route", "add", "default", "via", address(links[links.count - 1].left, v6))
            for (index, router) in routers.enumerated() {
                let node = index + 1  // links `node` (left) and `node + 1` (right) are attached
                for link in links where link.number != node && link.number != node + 1 {
                    let gateway =
                        link.number < node ? address(links[node - 1].left, v6) : address(links[node].right, v6)
                    let subnet = v6 ? "fd00:\(link.number)::/64" : "10.10.\(link.number).0/24"
                    try ip("-n", router, family, "route", "add", subnet, "via", gateway)
                }
            }
        }
    }

    private func address(_ end: Endpoint, _ ipv6: Bool) -> String { ipv6 ? end.ipv6 : end.ipv4 }

    /// Runs a setup command with stdout discarded; a non-zero exit throws with its stderr.
    private static func check(_ argv: [String]) throws(Failure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw .setup(command: argv.joined(separator: " "), stderr: "\(error)") }
        // Setup commands write at most a line to stderr, far below a pipe's buffer.
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .setup(command: argv.joined(separator: " "), stderr: String(decoding: message, as: UTF8.self))
        }
    }
}
