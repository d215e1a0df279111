import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a server is accepting yet, read from the kernel's socket tables rather than by
/// connecting: a probe connection would be taken for a test by iperf3 and by our responder.
///
/// `/proc/PID/net/tcp{,6}` lists the sockets of PID's network namespace, so the same check works
/// for a server on loopback and one started with `ip netns exec` (which execs, keeping the pid).
enum ListeningPort {
    /// TCP state 0x0A in the kernel's tables.
    private static let listenState = "0A"

    static func isListening(pid: Int32, port: Int) -> Bool {
        let hexPort = String(format: ":%04X", port)
        for table in ["tcp", "tcp6"] {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/net/\(table)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(hexPort), fields[3] == listenState { return true }
            }
        }
        return false
    }

    /// Polls until `server` listens on `port`; throws with its stderr when it exits first or
    /// takes longer than `timeout`.
    static func await(_ server: BackgroundProcess, port: Int, timeout: Duration = .seconds(10)) throws {
        let deadline = ContinuousClock.now + timeout
        while !isListening(pid: server.pid, port: port) {
            guard server.isRunning else {
                throw Subprocess.Failure(
                    description: "\(server.argv.joined(separator: " ")) exited before listening: \(server.errors)")
            }
            guard ContinuousClock.now < deadline else {
                server.kill()
                throw Subprocess.Failure(
                    description: "\(server.argv.joined(separator: " ")) not listening on port \(port) after \(timeout)")
            }
            usleep(2_000)
        }
    }

    /// A port nothing on this host listens on now (the kernel's pick for a throwaway socket), so
    /// loopback tests do not collide with an iperf3 someone else runs on 5201.
    static func unused() -> Int {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin6_port)) : 5201
    }
}
