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

    /// A new socket of `address`'s family, bound to `local` when given (iperf3's `-B`), with
    /// `options` (window, TOS) set, connected to `address`.
    public static func connect(
        to address: IPSocketAddress, local: IPSocketAddress? = nil, options: StreamSocketOptions? = nil
    ) throws(ThroughputError) -> UDPSocket {
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: "socket (UDP)", errno: errno) }
        if let local, local.withSockaddr({ Glibc.bind(fd, $0, $1) }) != 0 {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: "bind UDP to \(local.host)", errno: code)
        }
        if let options {
            do { try options.apply(to: fd) } catch {
                Glibc.close(fd)
                throw error.throughputError
            }
        }
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
            guard try SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: deadline, failure: ThroughputError.poll)
            else {
                return nil
            }
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
        var tv = timeval(
            tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Grows the send and receive buffers to hold at least one datagram plus 1 KiB where they are
    /// smaller, as iperf3's `iperf_udp_buffercheck` does (`UDP_BUFFER_EXTRA`); the receive buffer
    /// further to 64 datagrams (at most 8 MiB).
    ///
    /// The larger receive buffer is a deliberate difference from iperf3: with loopback's 32 KiB
    /// datagrams the default buffer holds six, so a receiver descheduled for a few milliseconds on
    /// a busy host drops datagrams the path delivered, and the loss reported is the host's, not
    /// the network's. `SO_RCVBUFFORCE` lifts `net.core.rmem_max` where the agent may (CAP_NET_ADMIN).
    public func ensureBuffers(forDatagramsOf size: Int) {
        let wanted = [SO_SNDBUF: size + 1024, SO_RCVBUF: max(size + 1024, min(64 * size, 8 << 20))]
        for (option, bytes) in wanted {
            guard let current = bufferSize(option), current < bytes else { continue }
            var value = Int32(clamping: bytes)
            setsockopt(fd, SOL_SOCKET, option, &value, 4)
            // The kernel reports twice what was granted; below the wish means rmem_max capped it.
            if option == SO_RCVBUF, let granted = bufferSize(option), granted / 2 < bytes {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, 4)
            }
        }
    }

    private func bufferSize(_ option: Int32) -> Int? {
        var current: Int32 = 0
        var length = socklen_t(4)
        guard getsockopt(fd, SOL_SOCKET, option, &current, &length) == 0 else { return nil }
        return Int(current)
    }

    public func close() { _ = Glibc.close(fd) }
}
