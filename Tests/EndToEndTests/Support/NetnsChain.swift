import FathomTestSupport
import Foundation

/// Three network namespaces, client — router — server: a one-router `NetnsPath` (which builds
/// and removes them) with the names the trace tests use and `/etc/netns` files on top:
///
/// ```
/// client 10.10.1.2 / fd00:1::2 ── 10.10.1.1 / fd00:1::1  router  10.10.2.1 / fd00:2::1 ── server 10.10.2.2 / fd00:2::2
/// ```
///
/// `remove()` deletes the namespaces (and with them their veths) and any `/etc/netns/NAME` files
/// written with `writeEtc`; a failed setup removes what it made.
final class NetnsChain {
    let path: NetnsPath
    var client: String { path.client }
    var router: String { path.routers[0] }
    var server: String { path.server }
    /// Veth names of the router — server link (≤ 15 characters), used to change MTUs.
    var routerToServer: String { path.links[1].left.device }
    var serverToRouter: String { path.links[1].right.device }
    /// `/etc/netns/NAME` directories made by `writeEtc`.
    private var etcDirectories: [String] = []

    private init(path: NetnsPath) {
        self.path = path
    }

    /// Builds the chain, or returns nil after `Prerequisite.unavailable` (which throws under
    /// `FATHOM_REQUIRE_ALL=1`) when namespaces cannot be made here (no `ip`, EPERM).
    static func make(for test: String) throws -> NetnsChain? {
        do {
            return NetnsChain(path: try NetnsPath.make(routers: 1))
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            try Prerequisite.unavailable(reason, test: test)
            return nil
        }
    }

    /// Runs `ip ARGS`, throwing on a non-zero exit.
    func ip(_ arguments: String...) async throws {
        let result = try await Shell.run([NetnsPath.ipCommand!] + arguments)
        guard result.status == 0 else {
            throw SetupError(command: arguments.joined(separator: " "), stderr: result.stderr)
        }
    }

    /// Runs a command inside namespace `ns` (`ip netns exec`) and returns its result.
    func run(in ns: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> Shell.Result {
        try await Shell.run(path.command(in: ns, arguments), timeout: timeout)
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

    /// Deletes the namespaces (their veth ends go with them) and the `/etc/netns` files.
    func remove() {
        path.remove()
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
