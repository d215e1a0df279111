import FathomShared

/// iperf3's control connection framing: one signed byte per state, JSON as a 4-byte big-endian
/// length followed by compact JSON text (no NUL).
///
/// ```swift
/// let control = ControlChannel(socket: socket)
/// try control.send(.paramExchange)
/// let parameters = try control.readJSON(IperfParameters.self, maxLength: 8192, what: "parameters")
/// ```
public struct ControlChannel: Sendable {
    public let socket: TCPSocket
    /// How long one control message may take; the test's own duration is waited for separately.
    public let timeout: Duration

    public init(socket: TCPSocket, timeout: Duration = .seconds(10)) {
        self.socket = socket
        self.timeout = timeout
    }

    public func send(_ state: IperfState) throws(ThroughputError) {
        try socket.write([UInt8(bitPattern: state.rawValue)], deadline: .now + timeout, what: "state \(state)")
    }

    /// The next state byte; an unknown code is a protocol violation (it is how garbage shows up).
    public func readState(waiting what: String, deadline: ContinuousClock.Instant? = nil) throws(ThroughputError)
        -> IperfState
    {
        let byte = try socket.read(1, deadline: deadline ?? .now + timeout, what: what)[0]
        guard let state = IperfState(rawValue: Int8(bitPattern: byte)) else {
            throw .protocolViolation(
                "unknown state byte \(Int8(bitPattern: byte)) (0x\(String(byte, radix: 16))) while waiting for \(what)")
        }
        return state
    }

    /// Reads the state the protocol requires next; ACCESS_DENIED, SERVER_ERROR and TERMINATE
    /// become their own errors so the caller's message says what the peer meant.
    public func expect(_ wanted: IperfState, deadline: ContinuousClock.Instant? = nil) throws(ThroughputError) {
        let state = try readState(waiting: "\(wanted)", deadline: deadline)
        switch state {
        case wanted: return
        case .accessDenied: throw .serverBusy
        case .serverError:
            let codes = try socket.read(8, deadline: .now + timeout, what: "server error codes")
            throw .serverError(iperfErrno: Self.int32(codes, at: 0), errno: Self.int32(codes, at: 4))
        case .serverTerminate, .clientTerminate: throw .peerTerminated
        default: throw .protocolViolation("got state \(state) while waiting for \(wanted)")
        }
    }

    /// SERVER_ERROR with iperf3's error number, so a real iperf3 client prints its own message.
    public func sendServerError(_ iperfErrno: Int32, errno: Int32 = 0) {
        let bytes =
            [UInt8(bitPattern: IperfState.serverError.rawValue)] + Self.bigEndian(UInt32(bitPattern: iperfErrno))
            + Self.bigEndian(UInt32(bitPattern: errno))
        try? socket.write(bytes, deadline: .now + .seconds(2), what: "server error")
    }

    public func sendJSON(_ message: some IperfMessage, what: String) throws(ThroughputError) {
        let body = JSONText.bytes(message.json)
        try socket.write(Self.bigEndian(UInt32(body.count)) + body, deadline: .now + timeout, what: what)
    }

    /// Reads one length-prefixed JSON message; a length over `maxLength` is refused before
    /// anything is allocated (garbage often looks like a huge length).
    public func readJSON<T: IperfMessage>(_ type: T.Type, maxLength: Int, what: String) throws(ThroughputError) -> T {
        let deadline = ContinuousClock.now + timeout
        let length = Int(
            UInt32(bitPattern: Self.int32(try socket.read(4, deadline: deadline, what: "\(what) length"), at: 0)))
        guard length > 0, length <= maxLength else {
            throw .protocolViolation("\(what) length \(length) is not within 1...\(maxLength)")
        }
        var body = try socket.read(length, deadline: deadline, what: what)
        // Some iperf3 builds count a trailing NUL in the length; JSON parsers reject it.
        while body.last == 0 { body.removeLast() }
        do { return try T(json: try JSONText.parse(body)) } catch {
            throw .protocolViolation(
                "\(what) is not the expected JSON (\(error)): \(String(decoding: body.prefix(600), as: UTF8.self))")
        }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func int32(_ bytes: [UInt8], at offset: Int) -> Int32 {
        Int32(
            bitPattern: UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
                | UInt32(bytes[offset + 3]))
    }
}
