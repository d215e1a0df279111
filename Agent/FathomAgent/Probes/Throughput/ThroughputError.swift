import Glibc

/// Why a throughput test failed. Every case reads as a sentence a person can act on.
///
/// ```swift
/// do { _ = try ThroughputClient(parameters: p).run() } catch { print(error) }   // "server is busy …"
/// ```
public enum ThroughputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `getaddrinfo` found no address.
    case unresolvable(name: String, reason: String)
    /// A parameter is out of range; the message names it.
    case invalidParameter(String)
    /// A socket call failed locally or the connection was refused.
    case socket(call: String, errno: Int32)
    /// The peer said nothing in time; the message says what we were waiting for.
    case timeout(String)
    /// The peer closed the control connection while we were waiting for something.
    case closedByPeer(String)
    /// The peer sent bytes that are not the iperf3 control protocol.
    case protocolViolation(String)
    /// The server answered ACCESS_DENIED: it is running another test.
    case serverBusy
    /// The server answered SERVER_ERROR with iperf3's `i_errno` and the system `errno`.
    case serverError(iperfErrno: Int32, errno: Int32)
    /// The peer sent SERVER_TERMINATE / CLIENT_TERMINATE (it was interrupted).
    case peerTerminated

    public var description: String {
        switch self {
        case .unresolvable(let name, let reason): "cannot resolve \"\(name)\": \(reason)"
        case .invalidParameter(let message): "invalid parameter: \(message)"
        case .socket(let call, let errno): "\(call): \(String(cString: strerror(errno)))"
        case .timeout(let what): "timed out waiting for \(what)"
        case .closedByPeer(let what): "peer closed the connection while waiting for \(what)"
        case .protocolViolation(let what): "peer does not speak the iperf3 protocol: \(what)"
        case .serverBusy: "server is busy running a test, try again later"
        case .serverError(let iperfErrno, let errno):
            "server error (iperf3 error \(iperfErrno)\(errno == 0 ? "" : ", \(String(cString: strerror(errno)))"))"
        case .peerTerminated: "peer terminated the test"
        }
    }
}

extension ThroughputError {
    /// A failed `poll(2)`: ``SocketPoll``'s `failure`.
    static func poll(_ code: Int32) -> ThroughputError { .socket(call: "poll", errno: code) }
}
