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

    /// iperf3's `IEUNIMP`: "not implemented" (we answer SCTP, bidirectional and byte-limited tests with it).
    public static let notImplemented: Int32 = 13
    /// iperf3's `IERECVPARAMS`: the parameters could not be read.
    public static let receiveParametersFailed: Int32 = 113
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
