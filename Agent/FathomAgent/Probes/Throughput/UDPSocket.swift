import Glibc

/// A connected, blocking UDP socket for one iperf3 UDP data stream; waits carry deadlines.
///
/// Connected so that `send`/`recv` need no address and the kernel drops datagrams from anyone but
/// the peer. The client gets one from `UDPStreamHandshake.connect`, the responder from
/// `UDPListener.accept`.
///
/// ```swift
/// let socket = try UDPSocket.connect(to: address)
/// try socket.send(UDPStreamHandshake.connectMessage, what: "UDP connect datagram")
/// let reply = try socket.receive(maxLength: 4, deadline: .now + .seconds(5))   // nil: nothing came
/// socket.close()
/// ```
public struct UDPSocket: Sendable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    /// A new socket of `address`'s family, connected to it.
    public static func connect(to address: SocketAddress) throws(ThroughputError) -> UDPSocket {
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: "socket (UDP)", errno: errno) }
        if address.withSockaddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: "UDP connect to \(address.host) port \(address.port)", errno: code)
        }
        return UDPSocket(fd: fd)
    }

    /// Sends one datagram.
    public func send(_ bytes: [UInt8], what: String) throws(ThroughputError) {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { return }
            if errno == EINTR { continue }
            throw .socket(call: "send (\(what))", errno: errno)
        }
    }

    /// The next datagram (at most `maxLength` bytes of it), or nil when none came before
    /// `deadline`. An ICMP port unreachable from the peer shows up as ECONNREFUSED.
    public func receive(maxLength: Int, deadline: ContinuousClock.Instant) throws(ThroughputError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: max(1, maxLength))
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, TCPSocket.milliseconds(left))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { throw .socket(call: "poll", errno: errno) }
            if ready == 0 { continue }
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .socket(call: "recv (UDP)", errno: errno)
            }
            return Array(bytes.prefix(n))
        }
    }

    /// Kernel timeouts on blocking `send`/`recv`, so a data thread wakes up to check its stop flag.
    public func setBlockingTimeout(_ timeout: Duration) {
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Grows the send and receive buffers to hold at least one datagram plus 1 KiB where they are
    /// smaller, as iperf3's `iperf_udp_buffercheck` does (`UDP_BUFFER_EXTRA`).
    public func ensureBuffers(forDatagramsOf size: Int) {
        for option in [SO_SNDBUF, SO_RCVBUF] {
            var current: Int32 = 0
            var length = socklen_t(4)
            guard getsockopt(fd, SOL_SOCKET, option, &current, &length) == 0, Int(current) < size else { continue }
            var wanted = Int32(clamping: size + 1024)
            setsockopt(fd, SOL_SOCKET, option, &wanted, 4)
        }
    }

    public func close() { _ = Glibc.close(fd) }
}
