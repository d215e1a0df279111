/// The parameter JSON an iperf3 client sends after PARAM_EXCHANGE (`send_parameters`).
///
/// Keys iperf3 sends only when set are optional here, so encoding omits them as iperf3 does; keys
/// we do not know are ignored when decoding, as iperf3's cJSON lookups ignore them.
///
/// ```swift
/// let p = IperfParameters(time: 2, parallel: 2, reverse: true)
/// // {"tcp":true,"omit":0,"time":2,"num":0,"blockcount":0,"parallel":2,"reverse":true,"len":131072,…}
/// ```
public struct IperfParameters: Sendable, Equatable, Codable {
    public var tcp: Bool?
    public var udp: Bool?
    public var sctp: Bool?
    public var omit: Int?
    public var time: Int?
    public var num: Int?
    public var blockcount: Int?
    public var parallel: Int?
    public var reverse: Bool?
    public var bidirectional: Bool?
    public var len: Int?
    public var window: Int?
    public var MSS: Int?
    public var nodelay: Bool?
    /// Target rate per stream in bits per second; also paces TCP (iperf3's `-b`).
    public var bandwidth: Int?
    public var pacing_timer: Int?
    public var client_version: String?

    /// iperf3's `DEFAULT_TCP_BLKSIZE`.
    public static let defaultBlockSize = 128 * 1024

    public init(time: Int, parallel: Int, reverse: Bool, blockSize: Int = Self.defaultBlockSize, bandwidth: Int? = nil) {
        tcp = true
        omit = 0
        self.time = time
        num = 0
        blockcount = 0
        self.parallel = parallel
        // iperf3 leaves `reverse` out unless set; some servers treat presence as true.
        self.reverse = reverse ? true : nil
        len = blockSize
        self.bandwidth = bandwidth
        pacing_timer = 1000
        // The iperf3 version whose protocol we speak (checked against 3.12).
        client_version = "3.12"
    }

    /// What the server refuses rather than measure wrongly, with iperf3's error number.
    public var unsupported: (reason: String, iperfErrno: Int32)? {
        if udp == true || sctp == true { return ("only TCP tests are implemented", IperfState.notImplemented) }
        if bidirectional == true { return ("bidirectional tests are not implemented", IperfState.notImplemented) }
        if (num ?? 0) > 0 || (blockcount ?? 0) > 0 { return ("byte or block limits are not implemented", IperfState.notImplemented) }
        if !(1...128).contains(parallel ?? 1) { return ("parallel must be 1...128", IperfState.receiveParametersFailed) }
        // The responder allocates a block and per-second counters from these; a peer must not
        // make it allocate without bound (iperf3's MAX_BLOCKSIZE is 1 MiB).
        if !(1...(1 << 20)).contains(len ?? Self.defaultBlockSize) { return ("len must be 1...1048576", IperfState.receiveParametersFailed) }
        if !(0...86400).contains(time ?? 10) || !(0...3600).contains(omit ?? 0) {
            return ("time must be 0...86400 s and omit 0...3600 s", IperfState.receiveParametersFailed)
        }
        return nil
    }
}
