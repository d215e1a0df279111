/// One throughput test as the client runs it (the TCP and UDP subset of pScheduler's throughput spec).
///
/// ```swift
/// let p = try ThroughputParameters(dest: "127.0.0.1", reverse: true, parallel: 2, duration: 2).validated()
/// let udp = try ThroughputParameters(dest: "::1", udp: true, bandwidth: 50_000_000).validated()
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

    public init(dest: String, port: Int = 5201, reverse: Bool = false, udp: Bool = false, parallel: Int = 1, duration: Int = 10,
                blockSize: Int = IperfParameters.defaultBlockSize, bandwidth: Int? = nil, controlTimeout: Duration = .seconds(10)) {
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
        if !(1...(1 << 20)).contains(blockSize) { throw .invalidParameter("block size \(blockSize) is not within 1...1048576") }
        if let bandwidth, bandwidth < 0 || (bandwidth == 0 && !udp) { throw .invalidParameter("bandwidth \(bandwidth) bit/s must be positive") }
        if udp, blockSize != IperfParameters.defaultBlockSize, !IperfParameters.udpBlockSizes.contains(blockSize) {
            throw .invalidParameter("UDP datagram size \(blockSize) is not within \(IperfParameters.udpBlockSizes.lowerBound)...\(IperfParameters.udpBlockSizes.upperBound)")
        }
        if controlTimeout <= .zero { throw .invalidParameter("control timeout must be positive") }
        return self
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
        let size = blockSize != IperfParameters.defaultBlockSize ? blockSize : controlMSS ?? IperfParameters.defaultUDPBlockSize
        return min(max(size, range.lowerBound), range.upperBound)
    }
}
