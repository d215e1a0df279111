/// One throughput test as the client runs it (the TCP subset of pScheduler's throughput spec).
///
/// ```swift
/// let p = try ThroughputParameters(dest: "127.0.0.1", reverse: true, parallel: 2, duration: 2).validated()
/// ```
public struct ThroughputParameters: Sendable, Equatable {
    public var dest: String
    /// iperf3's default port.
    public var port: Int
    public var reverse: Bool
    public var parallel: Int
    /// Whole seconds, as iperf3's `-t`.
    public var duration: Int
    public var blockSize: Int
    /// Pacing per stream in bits per second (iperf3's `-b`); nil is unpaced.
    public var bandwidth: Int?
    /// Limit on each control-protocol wait (connect, each state, each JSON message).
    public var controlTimeout: Duration

    public init(dest: String, port: Int = 5201, reverse: Bool = false, parallel: Int = 1, duration: Int = 10,
                blockSize: Int = IperfParameters.defaultBlockSize, bandwidth: Int? = nil, controlTimeout: Duration = .seconds(10)) {
        self.dest = dest
        self.port = port
        self.reverse = reverse
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
        if let bandwidth, bandwidth <= 0 { throw .invalidParameter("bandwidth \(bandwidth) bit/s must be positive") }
        if controlTimeout <= .zero { throw .invalidParameter("control timeout must be positive") }
        return self
    }
}
