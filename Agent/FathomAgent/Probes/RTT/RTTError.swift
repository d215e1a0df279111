import Glibc

/// Why an rtt test could not run at all (as opposed to lost probes or ICMP errors, which are
/// results).
///
/// ```swift
/// do { _ = try PingSocket.open(family: AF_INET, ttl: nil) } catch { print(error) }
/// ```
public enum RTTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `getaddrinfo` found no address.
    case unresolvable(name: String, reason: String)
    /// A parameter is out of range; the message names it.
    case invalidParameter(String)
    /// A socket call failed locally.
    case socket(call: String, errno: Int32)
    /// Neither an ICMP datagram socket (`net.ipv4.ping_group_range`) nor a raw one (`CAP_NET_RAW`).
    case icmpNotPermitted(datagramErrno: Int32, rawErrno: Int32)

    public var description: String {
        switch self {
        case .unresolvable(let name, let reason): "cannot resolve \"\(name)\": \(reason)"
        case .invalidParameter(let message): "invalid parameter: \(message)"
        case .socket(let call, let errno): "\(call): \(String(cString: strerror(errno)))"
        case .icmpNotPermitted(let datagram, let raw):
            "ICMP not permitted: add gid to net.ipv4.ping_group_range or grant CAP_NET_RAW "
                + "(ICMP datagram socket: \(String(cString: strerror(datagram))); raw socket: \(String(cString: strerror(raw))))"
        }
    }
}

extension RTTError {
    /// A failed `poll(2)`: ``SocketPoll``'s `failure`.
    static func poll(_ code: Int32) -> RTTError { .socket(call: "poll", errno: code) }
}
