import FathomShared

/// The parameter JSON an iperf3 client sends after PARAM_EXCHANGE (`send_parameters`).
///
/// Keys iperf3 sends only when set are optional here, so encoding omits them as iperf3 does; keys
/// we do not know are ignored when decoding, as iperf3's cJSON lookups ignore them.
/// A key of the wrong type (`"time":"2"`) fails the whole message, as a protocol violation.
///
/// ```swift
/// let p = IperfParameters(time: 2, parallel: 2, reverse: true)
/// // {"blockcount":0,"client_version":"3.12","len":131072,"num":0,"omit":0,"pacing_timer":1000,"parallel":2,"reverse":true,"tcp":true,"time":2}
/// let u = IperfParameters(time: 2, parallel: 1, reverse: false, udp: true, blockSize: 1448, bandwidth: 1_048_576)
/// // {"bandwidth":1048576,…,"len":1448,…,"time":2,"udp":true}
/// ```
public struct IperfParameters: IperfMessage, Equatable {
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
    public var mss: Int?
    public var nodelay: Bool?
    /// Target rate per stream in bits per second; also paces TCP (iperf3's `-b`).
    public var bandwidth: Int?
    public var pacingTimer: Int?
    /// UDP: datagram headers carry 64-bit packet numbers. iperf3 sends it (as 1) only when set and
    /// treats the key's presence as "on".
    public var udpCounters64BitFlag: Int?
    /// IP TOS byte (iperf3's `-S`); absent when 0.
    public var tos: Int?
    /// TCP congestion control algorithm (iperf3's `-C`).
    public var congestion: String?
    /// Sender uses `sendfile` (iperf3's `-Z`, sent as 1); no effect on what is counted.
    public var zerocopy: Int?
    public var clientVersion: String?

    /// iperf3's `DEFAULT_TCP_BLKSIZE`.
    public static let defaultBlockSize = 128 * 1024
    /// iperf3's `UDP_RATE`: a UDP test without `-b` runs at 1 Mbit/s (binary mega).
    public static let defaultUDPBandwidth = 1024 * 1024
    /// iperf3's `DEFAULT_UDP_BLKSIZE`, used when the control connection's MSS is unknown.
    public static let defaultUDPBlockSize = 1460
    /// iperf3's `MIN_UDP_BLOCKSIZE` (room for the largest datagram header) and `MAX_UDP_BLOCKSIZE`.
    public static let udpBlockSizes = 16...(65535 - 8 - 20)

    public init(
        time: Int, parallel: Int, reverse: Bool, udp: Bool = false, blockSize: Int = Self.defaultBlockSize,
        bandwidth: Int? = nil
    ) {
        // iperf3 names exactly one protocol: {"tcp":true,…} or {"udp":true,…}.
        tcp = udp ? nil : true
        self.udp = udp ? true : nil
        omit = 0
        self.time = time
        num = 0
        blockcount = 0
        self.parallel = parallel
        // iperf3 leaves `reverse` out unless set; some servers treat presence as true.
        self.reverse = reverse ? true : nil
        len = blockSize
        self.bandwidth = bandwidth
        pacingTimer = 1000
        // The iperf3 version whose protocol we speak (checked against 3.12).
        clientVersion = "3.12"
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        let flags: [(String, Bool?)] = [
            ("tcp", tcp), ("udp", udp), ("sctp", sctp), ("reverse", reverse), ("bidirectional", bidirectional),
            ("nodelay", nodelay),
        ]
        for (key, flag) in flags { if let flag { members[key] = .bool(flag) } }
        let numbers: [(String, Int?)] = [
            ("omit", omit), ("time", time), ("num", num), ("blockcount", blockcount), ("parallel", parallel),
            ("len", len),
            ("window", window), ("MSS", mss), ("bandwidth", bandwidth), ("pacing_timer", pacingTimer),
            ("udp_counters_64bit", udpCounters64BitFlag), ("TOS", tos), ("zerocopy", zerocopy),
        ]
        for (key, number) in numbers { if let number { members[key] = .integer(Int64(number)) } }
        if let congestion { members["congestion"] = .string(congestion) }
        if let clientVersion { members["client_version"] = .string(clientVersion) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "iperf3 parameters")
        tcp = try fields.optionalBool("tcp")
        udp = try fields.optionalBool("udp")
        sctp = try fields.optionalBool("sctp")
        omit = try fields.optionalInteger("omit")
        time = try fields.optionalInteger("time")
        num = try fields.optionalInteger("num")
        blockcount = try fields.optionalInteger("blockcount")
        parallel = try fields.optionalInteger("parallel")
        reverse = try fields.optionalBool("reverse")
        bidirectional = try fields.optionalBool("bidirectional")
        len = try fields.optionalInteger("len")
        window = try fields.optionalInteger("window")
        mss = try fields.optionalInteger("MSS")
        nodelay = try fields.optionalBool("nodelay")
        bandwidth = try fields.optionalInteger("bandwidth")
        pacingTimer = try fields.optionalInteger("pacing_timer")
        udpCounters64BitFlag = try fields.optionalInteger("udp_counters_64bit")
        tos = try fields.optionalInteger("TOS")
        congestion = try fields.optionalString("congestion")
        zerocopy = try fields.optionalInteger("zerocopy")
        clientVersion = try fields.optionalString("client_version")
    }

    /// The byte count the test ends on: `num` bytes (`-n`), or `blockcount` blocks of `len` bytes
    /// (`-k`); nil for a test that ends on time.
    public var byteLimit: Int64? {
        if let num, num > 0 { return Int64(num) }
        if let blockcount, blockcount > 0 { return Int64(blockcount) * Int64(len ?? Self.defaultBlockSize) }
        return nil
    }

    /// Whether datagram headers carry 64-bit packet numbers (the key's presence, as iperf3 reads it).
    public var udpCounters64Bit: Bool { udpCounters64BitFlag != nil }

    /// What the server refuses rather than measure wrongly, with iperf3's error number.
    public var unsupported: (reason: String, iperfErrno: Int32)? {
        if sctp == true { return ("SCTP tests are not implemented", IperfState.notImplemented) }
        if udp == true, let len, !Self.udpBlockSizes.contains(len) {
            return (
                "UDP datagram size (len) \(len) is not within \(Self.udpBlockSizes.lowerBound)...\(Self.udpBlockSizes.upperBound)",
                IperfState.udpBlockSize
            )
        }
        if udp == true, let bandwidth, bandwidth < 0 {
            return ("UDP bandwidth \(bandwidth) is negative", IperfState.receiveParametersFailed)
        }
        if bidirectional == true, reverse == true {
            return ("a test cannot be both reverse and bidirectional", IperfState.reverseBidirectional)
        }
        if udp == true, bidirectional == true || (omit ?? 0) > 0 || byteLimit != nil {
            return (
                "UDP tests with omit, bidirectional or a byte or block count are not implemented",
                IperfState.notImplemented
            )
        }
        if let tos, !(0...255).contains(tos) { return ("TOS \(tos) is not within 0...255", IperfState.badTOS) }
        if let window, window < 0 || window > (1 << 29) {
            return ("window must be 0...536870912", IperfState.receiveParametersFailed)
        }
        if (num ?? 0) < 0 || (blockcount ?? 0) < 0 {
            return ("byte and block counts must not be negative", IperfState.receiveParametersFailed)
        }
        if !(1...128).contains(parallel ?? 1) {
            return ("parallel must be 1...128", IperfState.receiveParametersFailed)
        }
        // The responder allocates a block and per-second counters from these; a peer must not
        // make it allocate without bound (iperf3's MAX_BLOCKSIZE is 1 MiB).
        if !(1...(1 << 20)).contains(len ?? Self.defaultBlockSize) {
            return ("len must be 1...1048576", IperfState.receiveParametersFailed)
        }
        if !(0...86400).contains(time ?? 10) || !(0...3600).contains(omit ?? 0) {
            return ("time must be 0...86400 s and omit 0...3600 s", IperfState.receiveParametersFailed)
        }
        return nil
    }
}
