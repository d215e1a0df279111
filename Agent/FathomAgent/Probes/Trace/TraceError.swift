import Glibc

/// Why a trace could not run at all (as opposed to a hop's ICMP error, which is a result).
///
/// ```swift
/// do { _ = try IPSocketAddress.resolve("no.such.host.invalid") } catch { print(error) }
/// ```
public enum TraceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `getaddrinfo` found no address.
    case unresolvable(name: String, reason: String)
    /// A parameter is out of range; the message names it.
    case invalidParameter(String)
    /// A socket call failed locally (no route, no socket).
    case socket(call: String, errno: Int32)
    /// `probe-type icmp` needs a raw socket, and the process lacks `CAP_NET_RAW` (`EPERM`/`EACCES`).
    case rawSocketNotPermitted(errno: Int32)

    public var description: String {
        switch self {
        case .unresolvable(let name, let reason): "cannot resolve \"\(name)\": \(reason)"
        case .invalidParameter(let message): "invalid parameter: \(message)"
        case .socket(let call, let errno): "\(call): \(String(cString: strerror(errno)))"
        case .rawSocketNotPermitted(let errno):
            "probe-type icmp needs CAP_NET_RAW to open a raw ICMP socket (socket: \(String(cString: strerror(errno)))); "
                + "run as root, grant the capability (setcap cap_net_raw+ep, or AmbientCapabilities=CAP_NET_RAW "
                + "in the systemd unit), or use probe-type udp, which needs no privilege"
        }
    }
}

extension TraceError {
    /// A failed `poll(2)`: ``SocketPoll``'s `failure`.
    static func poll(_ code: Int32) -> TraceError { .socket(call: "poll", errno: code) }
}
