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
        try WildcardBind.dualStack { family throws(ThroughputError) in
            try bind(family: family, port: port, backlog: backlog)
        }
    }

    private static func bind(family: Int32, port: UInt16, backlog: Int32) throws(ThroughputError) -> TCPListener {
        let fd = try WildcardBind.bind(type: SOCK_STREAM, family: family, port: port, failure: "listen on port \(port)")
        guard Glibc.listen(fd, backlog) == 0 else {
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
        guard try SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: deadline, failure: ThroughputError.poll) else {
            return nil
        }
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
