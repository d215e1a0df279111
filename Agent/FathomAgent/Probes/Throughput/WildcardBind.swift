import Glibc

/// A socket bound to every local address on one port, as the responder's TCP and UDP listeners
/// bind theirs: `SO_REUSEADDR` (a restarted responder must not wait for TIME_WAIT sockets of the
/// last test, and the UDP listener's sockets share their port), and for IPv6 `IPV6_V6ONLY` off,
/// so one socket takes IPv4 too. `dualStack` tries IPv6 first and falls back to IPv4 where IPv6
/// is off.
///
/// ```swift
/// let fd = try WildcardBind.dualStack { family throws(ThroughputError) in
///     try WildcardBind.bind(type: SOCK_DGRAM, family: family, port: 5201, failure: "bind UDP port 5201")
/// }
/// ```
enum WildcardBind {
    /// A new close-on-exec socket of `type` bound to `family`'s wildcard address on `port`.
    /// `failure` names the call in the error when the bind is refused; the socket is closed then.
    static func bind(type: __socket_type, family: Int32, port: UInt16, failure: String) throws(ThroughputError) -> Int32
    {
        let fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: type == SOCK_DGRAM ? "socket (UDP)" : "socket", errno: errno) }
        var on: Int32 = 1
        var off: Int32 = 0
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, 4)
        let bound: Int32
        if family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, 4)
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: failure, errno: code)
        }
        return fd
    }

    /// `open(AF_INET6)`, or where that fails `open(AF_INET)` (whose error is the one thrown).
    static func dualStack<Opened>(_ open: (_ family: Int32) throws(ThroughputError) -> Opened) throws(ThroughputError)
        -> Opened
    {
        if let dual = try? open(AF_INET6) { return dual }
        return try open(AF_INET)
    }
}
