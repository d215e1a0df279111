/// The one-byte state messages of iperf3's control connection (`iperf_api.h`).
///
/// ```swift
/// try control.send(.paramExchange)
/// ```
public enum IperfState: Int8, Sendable, CustomStringConvertible {
    case testStart = 1
    case testRunning = 2
    case testEnd = 4
    case paramExchange = 9
    case createStreams = 10
    case serverTerminate = 11
    case clientTerminate = 12
    case exchangeResults = 13
    case displayResults = 14
    case iperfDone = 16
    /// Busy server, or a data connection with the wrong cookie.
    case accessDenied = -1
    /// Followed by two big-endian Int32: iperf3's `i_errno`, then `errno`.
    case serverError = -2

    // iperf3 3.12's `i_errno` numbers (`iperf_api.h`), each checked against what a 3.12 client prints.
    /// iperf3's `IEUNIMP`: "an option you are trying to set is not implemented yet" (SCTP; UDP
    /// with omit, bidirectional or a byte count).
    public static let notImplemented: Int32 = 13
    /// iperf3's `IEBADTOS`: the TOS is not within 0...255.
    public static let badTOS: Int32 = 21
    /// iperf3's `IEREVERSEBIDIR`: "cannot be both reverse and bidirectional".
    public static let reverseBidirectional: Int32 = 25
    /// iperf3's `IERECVPARAMS`: the parameters could not be read.
    public static let receiveParametersFailed: Int32 = 114
    /// iperf3's `IESETNODELAY`, `IESETMSS`, `IESETBUF`, `IESETTOS`: a socket option was refused.
    public static let setNoDelay: Int32 = 122
    public static let setMSS: Int32 = 123
    public static let setBuffer: Int32 = 124
    public static let setTOS: Int32 = 125
    /// iperf3's `IESETCONGESTION`: "unable to set TCP_CONGESTION" (unknown or disallowed algorithm).
    public static let setCongestion: Int32 = 134
    /// iperf3's `IESETBUF2`: "socket buffer size not set correctly" (the kernel kept less than asked).
    public static let bufferSizeMismatch: Int32 = 141
    /// iperf3's `IEUDPBLOCKSIZE`: the UDP datagram size is outside 16...65507.
    public static let udpBlockSize: Int32 = 20
    /// iperf3's `IESTREAMLISTEN`: the data stream listener (the UDP socket) could not be opened.
    public static let streamListenFailed: Int32 = 202
    /// iperf3's `IESTREAMACCEPT`: a data stream could not be accepted.
    public static let streamAcceptFailed: Int32 = 204

    /// iperf3's own name, so errors read like iperf3's source and debug output.
    public var description: String {
        switch self {
        case .testStart: "TEST_START"
        case .testRunning: "TEST_RUNNING"
        case .testEnd: "TEST_END"
        case .paramExchange: "PARAM_EXCHANGE"
        case .createStreams: "CREATE_STREAMS"
        case .serverTerminate: "SERVER_TERMINATE"
        case .clientTerminate: "CLIENT_TERMINATE"
        case .exchangeResults: "EXCHANGE_RESULTS"
        case .displayResults: "DISPLAY_RESULTS"
        case .iperfDone: "IPERF_DONE"
        case .accessDenied: "ACCESS_DENIED"
        case .serverError: "SERVER_ERROR"
        }
    }
}
