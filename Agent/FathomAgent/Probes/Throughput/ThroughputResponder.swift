import Glibc

/// The iperf3 server side (`fathom-agent responder`): one test at a time on one port, control
/// and data connections on the same listener, as `iperf3 -s` does; UDP tests get their datagram
/// streams on a UDP socket of the same port number (`udpSession`).
///
/// Every parameter an iperf3 3.12 client sends is honoured (omit, window, MSS, no-delay,
/// congestion, TOS, length, zero-copy, `--bidir`, byte and block counts; `measure`) or refused
/// with SERVER_ERROR and iperf3's own error number (`IperfParameters.unsupported`).
///
/// While a test runs, any other connection gets ACCESS_DENIED (a single −1 byte) and is closed,
/// so a second client is told the server is busy. Every wait has a timeout; a peer that sends
/// garbage ends its own test with an error and the responder goes back to listening.
///
/// ```swift
/// let responder = try ThroughputResponder(port: 5201)
/// try responder.serve(once: true) { print($0) }
/// ```
public struct ThroughputResponder: Sendable {
    public let listener: TCPListener
    public let controlTimeout: Duration
    /// iperf3's server safety timer: the test's duration plus this grace (`create_server_timers`).
    public static let grace: Duration = .seconds(40)

    public init(port: UInt16, controlTimeout: Duration = .seconds(10)) throws(ThroughputError) {
        listener = try TCPListener.listen(port: port)
        self.controlTimeout = controlTimeout
    }

    /// One test's outcome: the report, or why it failed.
    public typealias Outcome = Result<ThroughputReport, ThroughputError>

    /// Serves tests until `once` is set and one has been attempted, or until `stopping` says so
    /// (asked at least once a second); `handle` sees each outcome. Closes the listener on return.
    ///
    /// With a `lane`, a test runs only while it holds the lane, which the agent's own scheduled
    /// throughput tests share: a client arriving while the lane is taken is told the server is
    /// busy, as one arriving during a test is, unless its cookie is the lane holder's own test
    /// (this host testing to itself). The cookie is read first, as `iperf3 -s` does.
    public func serve(
        once: Bool, lane: ExclusiveLane? = nil, stopping: () -> Bool = { false }, handle: (Outcome) -> Void
    ) throws(ThroughputError) {
        defer { listener.close() }
        while !stopping() {
            // Idle: one-second slices, so a stop request is seen without a busy loop.
            guard let control = try listener.accept(deadline: .now + .seconds(1)) else { continue }
            guard let cookie = try? control.read(IperfCookie.size, deadline: .now + controlTimeout, what: "cookie")
            else {
                control.close()
                continue
            }
            let admission = lane?.admit(cookie: cookie) ?? .acquired
            if admission == .busy {
                deny(control)
                continue
            }
            handle(session(control, cookie: cookie))
            if admission == .acquired { lane?.release() }
            if once { return }
        }
    }

    /// Runs one test on an accepted control connection (whose cookie, when already read, is
    /// `cookie`), always closing what it opened.
    public func session(_ socket: TCPSocket, cookie knownCookie: [UInt8]? = nil) -> Outcome {
        defer { socket.close() }
        socket.setNoDelay()
        let control = ControlChannel(socket: socket, timeout: controlTimeout)
        var streams: [TCPSocket] = []
        defer { for stream in streams { stream.close() } }
        do {
            let cookie =
                try knownCookie ?? socket.read(IperfCookie.size, deadline: .now + controlTimeout, what: "cookie")
            try control.send(.paramExchange)
            let parameters: IperfParameters
            do { parameters = try control.readJSON(IperfParameters.self, maxLength: 8192, what: "parameters") } catch {
                control.sendServerError(IperfState.receiveParametersFailed)
                throw error
            }
            if let (reason, code) = parameters.unsupported {
                control.sendServerError(code)
                throw ThroughputError.invalidParameter(reason)
            }
            if parameters.udp == true { return .success(try udpSession(control, parameters: parameters)) }
            // --bidir: the client's sending streams, then as many it receives on.
            let count = (parameters.parallel ?? 1) * (parameters.bidirectional == true ? 2 : 1)
            let options = StreamSocketOptions(parameters)
            // As iperf3's re-created listener: the data SYNs are answered with the asked MSS.
            try applyListenerMSS(options.mss, control)
            defer { if options.mss != nil { resetListenerMSS() } }
            try control.send(.createStreams)
            streams = try acceptStreams(count, cookie: cookie)
            try applyOptions(options, to: streams, control)
            return .success(try measure(control, streams: streams, parameters: parameters))
        } catch let error as ThroughputError {
            return .failure(error)
        } catch {
            return .failure(.protocolViolation("\(error)"))
        }
    }

    /// Accepts the data connections; a connection with another cookie is someone else (a second
    /// client) and is denied without disturbing the test.
    private func acceptStreams(_ count: Int, cookie: [UInt8]) throws(ThroughputError) -> [TCPSocket] {
        var streams: [TCPSocket] = []
        let deadline = ContinuousClock.now + controlTimeout
        while streams.count < count {
            guard let peer = try listener.accept(deadline: deadline) else {
                for stream in streams { stream.close() }
                throw .timeout("\(count) data stream(s), got \(streams.count)")
            }
            if let theirs = try? peer.read(IperfCookie.size, deadline: .now + .seconds(2), what: "stream cookie"),
                theirs == cookie
            {
                streams.append(peer)
            } else {
                deny(peer)
            }
        }
        return streams
    }

    func deny(_ peer: TCPSocket) {
        try? peer.write(
            [UInt8(bitPattern: IperfState.accessDenied.rawValue)], deadline: .now + .seconds(1), what: "access denied")
        peer.close()
    }

    /// Polls the control connection and the listener together: TEST_END ends the wait, anyone
    /// knocking on the listener meanwhile is told we are busy.
    func waitForTestEnd(_ control: ControlChannel, until deadline: ContinuousClock.Instant) throws(ThroughputError) {
        while true {
            var fds = [
                pollfd(fd: control.socket.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0),
            ]
            guard try SocketPoll.wait(&fds, until: deadline, failure: ThroughputError.poll) else {
                throw .timeout("TEST_END (test ran past its duration plus \(Self.grace))")
            }
            if fds[1].revents != 0, let newcomer = try listener.accept(deadline: .now + .milliseconds(1)) {
                deny(newcomer)
            }
            if fds[0].revents != 0 {
                let state = try control.readState(waiting: "TEST_END")
                if state == .testEnd { return }
                if state == .clientTerminate { throw .peerTerminated }
                throw .protocolViolation("got state \(state) while waiting for TEST_END")
            }
        }
    }
}
