/// One throughput test as the client runs it (the TCP and UDP subset of pScheduler's throughput
/// spec, with iperf3's options: omit, window, buffer length, zero-copy, interval, bidirectional,
/// byte and block counts, congestion algorithm, TOS, IP version and local address).
///
/// ```swift
/// let p = try ThroughputParameters(dest: "127.0.0.1", reverse: true, parallel: 2, duration: 2).validated()
/// let udp = try ThroughputParameters(dest: "::1", udp: true, bandwidth: 50_000_000).validated()
/// var q = ThroughputParameters(dest: "ps2.example.net")
/// q.omit = 2; q.window = 1 << 20; q.congestion = "bbr"; q.tos = 0x20
/// ```
public struct ThroughputParameters: Sendable, Equatable {
    public var dest: String
    /// iperf3's default port.
    public var port: Int
    public var reverse: Bool
    /// UDP datagrams instead of TCP streams (iperf3's `-u`); loss and jitter are measured.
    public var udp: Bool
    public var parallel: Int
    /// Whole seconds, as iperf3's `-t`.
    public var duration: Int
    /// TCP: bytes per `send`. UDP: bytes per datagram, header included; left at the TCP default
    /// (`IperfParameters.defaultBlockSize`) it means "not set": the control connection's MSS, as iperf3.
    public var blockSize: Int
    /// Pacing per stream in bits per second (iperf3's `-b`); nil is unpaced for TCP and
    /// 1 Mbit/s for UDP (iperf3's default); 0 is unpaced UDP.
    public var bandwidth: Int?
    /// Limit on each control-protocol wait (connect, each state, each JSON message).
    public var controlTimeout: Duration
    /// Seconds at the start left out of the counts (iperf3's `-O`); the test runs this much longer.
    public var omit = 0
    /// `SO_SNDBUF`/`SO_RCVBUF` of every data stream, here and on the server (iperf3's `-w`).
    public var window: Int?
    /// TCP maximum segment size (iperf3's `-M`).
    public var mss: Int?
    /// `TCP_NODELAY` on the data streams (iperf3's `-N`).
    public var noDelay = false
    /// Send with `sendfile` (iperf3's `-Z`).
    public var zeroCopy = false
    /// Seconds per report interval (iperf3's `-i`).
    public var interval: Duration = .seconds(1)
    /// Both directions at once (iperf3's `--bidir`): `parallel` streams each way.
    public var bidirectional = false
    /// End after this many bytes instead of `duration` (iperf3's `-n`, all streams together).
    public var bytes: Int?
    /// End after this many blocks of `blockSize` bytes instead of `duration` (iperf3's `-k`).
    public var blocks: Int?
    /// TCP congestion control algorithm (iperf3's `-C`).
    public var congestion: String?
    /// IP TOS byte, DSCP in its upper six bits (iperf3's `-S`; pScheduler's `ip-tos`).
    public var tos: Int?
    /// 4 or 6 forces the address family (iperf3's `-4`/`-6`).
    public var ipVersion: Int?
    /// Local address every connection is bound to (iperf3's `-B`; pScheduler's `local-address`).
    public var localAddress: String?

    public init(
        dest: String, port: Int = 5201, reverse: Bool = false, udp: Bool = false, parallel: Int = 1, duration: Int = 10,
        blockSize: Int = IperfParameters.defaultBlockSize, bandwidth: Int? = nil,
        controlTimeout: Duration = .seconds(10)
    ) {
        self.dest = dest
        self.port = port
        self.reverse = reverse
        self.udp = udp
        self.parallel = parallel
        self.duration = duration
        self.blockSize = blockSize
        self.bandwidth = bandwidth
        self.controlTimeout = controlTimeout
    }

    /// Self, or the first out-of-range value named.
    public func validated() throws(ThroughputError) -> ThroughputParameters {
        if dest.isEmpty { throw .invalidParameter("dest is empty") }
        if !(1...65535).contains(port) { throw .invalidParameter("port \(port) is not within 1...65535") }
        // iperf3's MAX_STREAMS.
        if !(1...128).contains(parallel) { throw .invalidParameter("parallel \(parallel) is not within 1...128") }
        if !(1...86400).contains(duration) { throw .invalidParameter("duration \(duration) s is not within 1...86400") }
        if !(1...(1 << 20)).contains(blockSize) {
            throw .invalidParameter("block size \(blockSize) is not within 1...1048576")
        }
        if let bandwidth, bandwidth < 0 || (bandwidth == 0 && !udp) {
            throw .invalidParameter("bandwidth \(bandwidth) bit/s must be positive")
        }
        if udp, blockSize != IperfParameters.defaultBlockSize, !IperfParameters.udpBlockSizes.contains(blockSize) {
            throw .invalidParameter(
                "UDP datagram size \(blockSize) is not within \(IperfParameters.udpBlockSizes.lowerBound)...\(IperfParameters.udpBlockSizes.upperBound)"
            )
        }
        if controlTimeout <= .zero { throw .invalidParameter("control timeout must be positive") }
        // iperf3's own limits: omit ≤ 600 s (IEOMIT), window ≤ 512 MiB (IEBUFSIZE, MAX_TCP_BUFFER), interval 0.1...60 s (IEINTERVAL).
        if !(0...600).contains(omit) { throw .invalidParameter("omit \(omit) s is not within 0...600") }
        if let window, !(1...(1 << 29)).contains(window) {
            throw .invalidParameter("window \(window) B is not within 1...536870912")
        }
        if let mss, !(88...9216).contains(mss) { throw .invalidParameter("MSS \(mss) is not within 88...9216") }
        if interval < .milliseconds(100) || interval > .seconds(60) {
            throw .invalidParameter("interval \(interval) is not within 0.1...60 s")
        }
        if bidirectional && reverse { throw .invalidParameter("a test cannot be both reverse and bidirectional") }
        if bytes != nil && blocks != nil { throw .invalidParameter("only one of bytes and blocks may end a test") }
        if let bytes, bytes <= 0 { throw .invalidParameter("bytes \(bytes) must be positive") }
        if let blocks, blocks <= 0 { throw .invalidParameter("blocks \(blocks) must be positive") }
        if udp, omit > 0 || bidirectional || byteLimit != nil || zeroCopy || interval != .seconds(1) {
            throw .invalidParameter("omit, bidirectional, bytes, blocks, zero-copy and interval are TCP options here")
        }
        if udp, congestion != nil || mss != nil || noDelay {
            throw .invalidParameter("congestion, MSS and no-delay are TCP options")
        }
        if let tos, !(0...255).contains(tos) { throw .invalidParameter("TOS \(tos) is not within 0...255") }
        if let ipVersion, ipVersion != 4 && ipVersion != 6 {
            throw .invalidParameter("ip-version \(ipVersion) is not 4 or 6")
        }
        if let congestion, congestion.isEmpty || congestion.utf8.count > 15 {
            throw .invalidParameter("congestion \"\(congestion)\" is not an algorithm name")
        }
        if let localAddress, localAddress.isEmpty { throw .invalidParameter("local address is empty") }
        return self
    }

    /// The byte count the test ends on (`bytes`, or `blocks` of `blockSize`); nil: it ends on time.
    public var byteLimit: Int64? {
        if let bytes { return Int64(bytes) }
        return blocks.map { Int64($0) * Int64(blockSize) }
    }

    /// The socket options every data stream gets, here and (through the parameters) on the server.
    public var socketOptions: StreamSocketOptions {
        StreamSocketOptions(window: window, congestion: congestion, tos: tos, mss: mss, noDelay: noDelay)
    }

    /// The parameter message for the server, as an iperf3 3.12 client with the same options sends it.
    public func iperfParameters(blockSize length: Int) -> IperfParameters {
        var message = IperfParameters(
            time: byteLimit == nil ? duration : 0, parallel: parallel, reverse: reverse, udp: udp, blockSize: length,
            bandwidth: effectiveBandwidth)
        message.omit = omit
        message.num = bytes ?? 0
        message.blockcount = blocks ?? 0
        message.bidirectional = bidirectional ? true : nil
        message.window = window
        message.mss = mss
        message.nodelay = noDelay ? true : nil
        message.tos = tos.flatMap { $0 > 0 ? $0 : nil }
        message.congestion = congestion
        message.zerocopy = zeroCopy ? 1 : nil
        return message
    }

    /// The rate sent in the parameters and paced to: UDP without `bandwidth` runs at iperf3's
    /// 1 Mbit/s default; UDP with 0 and TCP without `bandwidth` are unpaced.
    public var effectiveBandwidth: Int? {
        guard udp else { return bandwidth }
        guard let bandwidth else { return IperfParameters.defaultUDPBandwidth }
        return bandwidth > 0 ? bandwidth : nil
    }

    /// UDP datagram size: `blockSize` when set, else the control connection's MSS (iperf3 3.12's
    /// rule), else 1460; capped to what one datagram can carry.
    public func udpDatagramSize(controlMSS: Int?) -> Int {
        let range = IperfParameters.udpBlockSizes
        let size =
            blockSize != IperfParameters.defaultBlockSize
            ? blockSize : controlMSS ?? IperfParameters.defaultUDPBlockSize
        return min(max(size, range.lowerBound), range.upperBound)
    }
}
