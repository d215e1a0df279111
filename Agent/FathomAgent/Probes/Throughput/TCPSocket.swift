import Glibc

/// A connected, blocking TCP socket whose control-path reads and writes all carry a deadline.
///
/// Blocking on purpose: each data stream gets its own thread (`StreamTransfer`), so the kernel does
/// the waiting and a `send`/`recv` loop stays as fast as iperf3's. Never use it on the async pool.
///
/// ```swift
/// let socket = try TCPSocket.connect(to: address, timeout: .seconds(10))
/// let byte = try socket.read(1, deadline: .now + .seconds(5))
/// ```
public struct TCPSocket: Sendable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    /// Connects with a timeout (non-blocking connect + poll), then returns to blocking mode.
    /// `local` binds the socket first (iperf3's `-B`); `options` are set before the handshake,
    /// so the window and MSS are in the SYN, as iperf3's client sets them.
    public static func connect(
        to address: IPSocketAddress, timeout: Duration, local: IPSocketAddress? = nil,
        options: StreamSocketOptions? = nil
    ) throws(ThroughputError) -> TCPSocket {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: "socket", errno: errno) }
        let what = "connect to \(address.host) port \(address.port)"
        if let local, local.withSockaddr({ Glibc.bind(fd, $0, $1) }) != 0 {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: "bind to \(local.host)", errno: code)
        }
        if let options {
            do { try options.apply(to: fd) } catch {
                Glibc.close(fd)
                throw error.throughputError
            }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if address.withSockaddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            let code = errno
            guard code == EINPROGRESS else {
                Glibc.close(fd)
                throw .socket(call: what, errno: code)
            }
            let ready: Bool
            do { ready = try TCPSocket(fd: fd).wait(for: Int16(POLLOUT), deadline: .now + timeout) } catch {
                Glibc.close(fd)
                throw error
            }
            guard ready else {
                Glibc.close(fd)
                throw .timeout(what)
            }
            var failure: Int32 = 0
            var length = socklen_t(4)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure != 0 {
                Glibc.close(fd)
                throw .socket(call: what, errno: failure)
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return TCPSocket(fd: fd)
    }

    /// Polls for `events` until `deadline`; false on timeout. Hang-ups count as ready so the
    /// following read sees the EOF.
    public func wait(for events: Int16, deadline: ContinuousClock.Instant) throws(ThroughputError) -> Bool {
        try SocketPoll.wait(fd: fd, for: events, deadline: deadline, failure: ThroughputError.poll)
    }

    /// Reads exactly `count` bytes; `what` names the message in errors.
    public func read(_ count: Int, deadline: ContinuousClock.Instant, what: String = "data") throws(ThroughputError)
        -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            guard try wait(for: Int16(POLLIN), deadline: deadline) else { throw .timeout(what) }
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            if n == 0 { throw .closedByPeer(what) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw .closedByPeer(what) }
                throw .socket(call: "recv (\(what))", errno: errno)
            }
            filled += n
        }
        return bytes
    }

    /// Writes all of `bytes`; `MSG_NOSIGNAL` so a closed peer is an error, not SIGPIPE.
    public func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant, what: String = "data")
        throws(ThroughputError)
    {
        var sent = 0
        while sent < bytes.count {
            guard try wait(for: Int16(POLLOUT), deadline: deadline) else { throw .timeout("sending \(what)") }
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closedByPeer("sending \(what)") }
                throw .socket(call: "send (\(what))", errno: errno)
            }
            sent += n
        }
    }

    /// `TCP_NODELAY`, as iperf3 sets on both ends of the control connection.
    public func setNoDelay() {
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, 4)
    }

    /// Kernel timeouts on blocking `send`/`recv`, so a data thread wakes up to check its stop flag
    /// even when the peer has gone silent.
    public func setBlockingTimeout(_ timeout: Duration) {
        var tv = timeval(
            tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// `SO_RCVLOWAT`: a blocking `recv` returns once this many bytes are queued (or at the
    /// timeout, EOF or shutdown, with what there is), so a receiver wakes once per block rather
    /// than once per arriving segment train.
    public func setReceiveLowWatermark(_ bytes: Int) {
        var value = Int32(clamping: bytes)
        setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, 4)
    }

    /// Cumulative retransmitted segments from `TCP_INFO`; nil where the kernel does not say.
    public var totalRetransmits: Int? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
        return Int(info.tcpi_total_retrans)
    }

    /// One `TCP_INFO` read: cumulative retransmits, smoothed RTT in microseconds and the
    /// congestion window in bytes (`snd_cwnd × snd_mss`, iperf3's `snd_cwnd`); nil where the kernel
    /// does not say.
    public var senderInfo: (totalRetransmits: Int, rttMicroseconds: Int, congestionWindowBytes: Int)? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
        return (Int(info.tcpi_total_retrans), Int(info.tcpi_rtt), Int(info.tcpi_snd_cwnd) * Int(info.tcpi_snd_mss))
    }

    /// Smoothed RTT in microseconds from `TCP_INFO` (pScheduler's `rtt` unit).
    public var rttMicroseconds: Int? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
        return Int(info.tcpi_rtt)
    }

    /// Unblocks any thread inside `send`/`recv` on this socket (they see EOF or EPIPE).
    public func shutdownBoth() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    public func close() { _ = Glibc.close(fd) }
}
