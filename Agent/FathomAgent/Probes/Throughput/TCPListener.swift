import Glibc

/// A listening TCP socket on all addresses (IPv6 dual-stack, IPv4 where IPv6 is off) whose
/// `accept` has a deadline.
///
/// ```swift
/// let listener = try TCPListener.listen(port: 5201)
/// if let peer = try listener.accept(deadline: .now + .seconds(10)) { … }
/// ```
public struct TCPListener: Sendable {
    public let fd: Int32
    /// The bound port (the kernel's pick when 0 was asked for).
    public let port: UInt16

    public static func listen(port: UInt16, backlog: Int32 = 16) throws(ThroughputError) -> TCPListener {
        if let dual = try? bind(family: AF_INET6, port: port, backlog: backlog) { return dual }
        return try bind(family: AF_INET, port: port, backlog: backlog)
    }

    private static func bind(family: Int32, port: UInt16, backlog: Int32) throws(ThroughputError) -> TCPListener {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: "socket", errno: errno) }
        var on: Int32 = 1, off: Int32 = 0
        // A restarted responder must not wait for TIME_WAIT sockets of the last test.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, 4)
        let bound: Int32
        if family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, 4)
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: "listen on port \(port)", errno: code)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port both sit at offset 2, in network byte order.
        let actual = withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
        return TCPListener(fd: fd, port: actual)
    }

    /// The next connection, or nil when none arrived before `deadline`.
    public func accept(deadline: ContinuousClock.Instant) throws(ThroughputError) -> TCPSocket? {
        guard try TCPSocket(fd: fd).wait(for: Int16(POLLIN), deadline: deadline) else { return nil }
        let peer = Glibc.accept(fd, nil, nil)
        if peer < 0 {
            if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { return nil }
            throw .socket(call: "accept", errno: errno)
        }
        // accept4 is not imported from Glibc; set close-on-exec right after instead.
        _ = fcntl(peer, F_SETFD, FD_CLOEXEC)
        return TCPSocket(fd: peer)
    }

    public func close() { _ = Glibc.close(fd) }
}
