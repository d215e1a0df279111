import Foundation
import Synchronization

/// Ports for the servers tests start (iperf3, the responder, PostgreSQL, RabbitMQ, Prometheus,
/// TLS test servers), each handed out once per test process, from below the kernel's ephemeral
/// range (`ip_local_port_range`, 32768–60999 on Debian).
///
/// A port the kernel hands out for `bind(0)` is free only until the socket closes: another test
/// running beside this one could be handed the same port before our server listens on it, and
/// its short-lived listener then passed for ours (an iperf3 client refused by a responder that
/// had not listened yet). Below the ephemeral range the kernel never picks a port by itself,
/// neither for `bind(0)` nor for an outgoing connection, and this process hands each one out
/// once, so only a server outside the tests can hold it: `take` skips a port where binding TCP
/// (any address, IPv6 and IPv4) or UDP fails. The walk starts at a random place, so two test
/// processes at once rarely meet.
///
/// ```swift
/// let port = try TestPorts.take()
/// let server = try await run(["/usr/bin/iperf3", "-s", "-1", "-p", "\(port)"])
/// ```
public enum TestPorts {
    /// Why no port was found.
    public struct Exhausted: Error, CustomStringConvertible {
        public let description: String
    }

    private static let range: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        // Leave the well-known low ports alone; with an ephemeral range starting unusually low,
        // take ports above it instead.
        return low > 12_000 ? 10_000..<low : 61_000..<65_000
    }()

    private static let next = Mutex(Int.random(in: range))

    /// A port no other test of this process was given, that nothing holds now.
    public static func take() throws -> Int {
        for _ in 0..<range.count {
            let port = next.withLock { next in
                let port = next
                next = next + 1 < range.upperBound ? next + 1 : range.lowerBound
                return port
            }
            if isFree(port) { return port }
        }
        throw Exhausted(description: "no free port in \(range)")
    }

    /// Whether a TCP and a UDP socket bind `port` on every address.
    private static func isFree(_ port: Int) -> Bool {
        [SOCK_STREAM, SOCK_DGRAM].allSatisfy { type in
            binds(family: AF_INET6, type: type, port: port) || binds(family: AF_INET, type: type, port: port)
        }
    }

    /// Whether a socket of `family` and `type` binds the wildcard address on `port` (IPv6 with
    /// IPv4 included), released at once; without SO_REUSEADDR, so a socket lingering in
    /// TIME_WAIT counts as held.
    private static func binds(family: Int32, type: __socket_type, port: Int) -> Bool {
        let fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if family == AF_INET6 {
            var off: Int32 = 0
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, 4)
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
