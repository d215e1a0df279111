import Glibc

/// The per-stream socket options of an iperf3 test, applied the same way on both ends:
/// `window` to `SO_SNDBUF` and `SO_RCVBUF` (`-w`), `congestion` to `TCP_CONGESTION` (`-C`),
/// `tos` to `IP_TOS` or `IPV6_TCLASS` (`-S`), `mss` to `TCP_MAXSEG` (`-M`), `noDelay` to
/// `TCP_NODELAY` (`-N`). A refused option is an `Failure` carrying iperf3's own error number,
/// which the responder sends as SERVER_ERROR so an iperf3 client prints iperf3's message.
///
/// ```swift
/// let options = StreamSocketOptions(window: 65_536, congestion: "reno", tos: 0x20)
/// try options.apply(to: socket.fd)              // before connect on the client, after accept on the responder
/// print(StreamSocketOptions.Applied(reading: socket.fd))   // what the kernel made of it
/// ```
public struct StreamSocketOptions: Sendable, Equatable {
    public var window: Int?
    public var congestion: String?
    public var tos: Int?
    public var mss: Int?
    public var noDelay: Bool

    public init(window: Int? = nil, congestion: String? = nil, tos: Int? = nil, mss: Int? = nil, noDelay: Bool = false)
    {
        self.window = window.flatMap { $0 > 0 ? $0 : nil }
        self.congestion = congestion.flatMap { $0.isEmpty ? nil : $0 }
        self.tos = tos.flatMap { $0 > 0 ? $0 : nil }
        self.mss = mss.flatMap { $0 > 0 ? $0 : nil }
        self.noDelay = noDelay
    }

    /// The options an iperf3 client asked for in its parameters.
    public init(_ parameters: IperfParameters) {
        self.init(
            window: parameters.window, congestion: parameters.congestion, tos: parameters.tos, mss: parameters.mss,
            noDelay: parameters.nodelay == true)
    }

    /// An option the kernel refused: iperf3's `i_errno` for it and the system `errno`.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var iperfErrno: Int32
        public var errno: Int32
        public var what: String
        public var description: String { errno == 0 ? what : "\(what): \(String(cString: strerror(errno)))" }
        /// As a throughput error: the socket call and errno, or the mismatch named.
        public var throughputError: ThroughputError {
            errno == 0 ? .invalidParameter(what) : .socket(call: what, errno: errno)
        }
    }

    /// Sets every option that is set; the first refusal throws. `TCP_MAXSEG` only matters
    /// before the connection exists (the client's connect, the responder's listener).
    public func apply(to fd: Int32) throws(Failure) {
        if let window {
            // iperf3 sets both buffers to the window and checks that the kernel kept at least
            // that much (Linux doubles what it is given for its own bookkeeping).
            try set(fd, SOL_SOCKET, SO_RCVBUF, Int32(clamping: window), IperfState.setBuffer, "SO_RCVBUF \(window)")
            try set(fd, SOL_SOCKET, SO_SNDBUF, Int32(clamping: window), IperfState.setBuffer, "SO_SNDBUF \(window)")
            let applied = Applied(reading: fd)
            if applied.sendBuffer < window || applied.receiveBuffer < window {
                throw Failure(
                    iperfErrno: IperfState.bufferSizeMismatch, errno: 0,
                    what:
                        "socket buffers \(applied.sendBuffer)/\(applied.receiveBuffer) B below \(window) B (net.core.wmem_max/rmem_max)"
                )
            }
        }
        if let mss {
            try set(fd, Int32(IPPROTO_TCP), TCP_MAXSEG, Int32(clamping: mss), IperfState.setMSS, "TCP_MAXSEG \(mss)")
        }
        if noDelay { try set(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, IperfState.setNoDelay, "TCP_NODELAY") }
        if let tos { try Self.setTOS(fd, tos) }
        if let congestion {
            var name = Array(congestion.utf8)
            if setsockopt(fd, Int32(IPPROTO_TCP), TCP_CONGESTION, &name, socklen_t(name.count)) != 0 {
                throw Failure(
                    iperfErrno: IperfState.setCongestion, errno: Glibc.errno, what: "TCP_CONGESTION \(congestion)")
            }
        }
    }

    /// Applies the options to a scratch TCP socket of `family`, so a client finds out that the
    /// kernel refuses one (an unknown congestion algorithm, a window over `wmem_max`) before it
    /// asks a server for a test it cannot run.
    public func check(family: Int32) throws(Failure) {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        try apply(to: fd)
    }

    /// `IP_TOS` on an IPv4 socket, `IPV6_TCLASS` on an IPv6 one (both on a dual-stack IPv6 socket,
    /// whose IPv4-mapped peers use `IP_TOS`), as iperf3's `-S`.
    static func setTOS(_ fd: Int32, _ tos: Int) throws(Failure) {
        if Applied.family(of: fd) == AF_INET6 {
            try set(fd, Int32(IPPROTO_IPV6), IPV6_TCLASS, Int32(tos), IperfState.setTOS, "IPV6_TCLASS \(tos)")
            // A v4-mapped peer's packets take IP_TOS; a pure IPv6 socket may refuse it, which is fine.
            var value = Int32(tos)
            _ = setsockopt(fd, Int32(IPPROTO_IP), IP_TOS, &value, 4)
        } else {
            try set(fd, Int32(IPPROTO_IP), IP_TOS, Int32(tos), IperfState.setTOS, "IP_TOS \(tos)")
        }
    }

    private static func set(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ code: Int32, _ what: String)
        throws(Failure)
    {
        var value = value
        if setsockopt(fd, level, name, &value, 4) != 0 { throw Failure(iperfErrno: code, errno: errno, what: what) }
    }

    private func set(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ code: Int32, _ what: String)
        throws(Failure)
    {
        try Self.set(fd, level, name, value, code, what)
    }

    /// What a socket's options are, read back from the kernel, for the report.
    public struct Applied: Sendable, Equatable, CustomStringConvertible {
        public var sendBuffer: Int
        public var receiveBuffer: Int
        public var congestion: String?
        public var tos: Int

        public init(reading fd: Int32) {
            sendBuffer = Self.integer(fd, SOL_SOCKET, SO_SNDBUF)
            receiveBuffer = Self.integer(fd, SOL_SOCKET, SO_RCVBUF)
            tos =
                Self.family(of: fd) == AF_INET6
                ? Self.integer(fd, Int32(IPPROTO_IPV6), IPV6_TCLASS) : Self.integer(fd, Int32(IPPROTO_IP), IP_TOS)
            var name = [UInt8](repeating: 0, count: 32)
            var length = socklen_t(name.count)
            if getsockopt(fd, Int32(IPPROTO_TCP), TCP_CONGESTION, &name, &length) == 0 {
                congestion = String(decoding: name.prefix(Int(length)).prefix { $0 != 0 }, as: UTF8.self)
            }
        }

        public var description: String {
            "socket buffers \(sendBuffer) B send, \(receiveBuffer) B receive, congestion \(congestion ?? "unknown"), TOS \(tos)"
        }

        static func integer(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int {
            var value: Int32 = 0
            var length = socklen_t(4)
            return getsockopt(fd, level, name, &value, &length) == 0 ? Int(value) : 0
        }

        static func family(of fd: Int32) -> Int32 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return Int32(storage.ss_family)
        }
    }
}
