/// The iperf3 client side: talks the control protocol to an `iperf3 -s` (or our responder),
/// moves data for the duration, exchanges results. TCP streams, or UDP datagrams with loss and
/// jitter when `parameters.udp` is set (`runUDPStreams`).
///
/// Blocking, with a timeout on every wait: run it on a thread of its own, never on the async pool.
///
/// ```swift
/// let report = try ThroughputClient(parameters: try ThroughputParameters(dest: "127.0.0.1", duration: 2).validated()).run()
/// print(report.summary)
/// ```
public struct ThroughputClient: Sendable {
    public let parameters: ThroughputParameters
    /// The test's session cookie; the agent's scheduler names it so its own responder knows the test.
    public let cookie: [UInt8]

    public init(parameters: ThroughputParameters, cookie: [UInt8] = IperfCookie.make()) {
        self.parameters = parameters
        self.cookie = cookie
    }

    public func run() throws(ThroughputError) -> ThroughputReport {
        let address: IPSocketAddress
        do { address = try IPSocketAddress.resolve(parameters.dest).with(port: UInt16(parameters.port)) } catch {
            if case .unresolvable(let name, let reason) = error { throw .unresolvable(name: name, reason: reason) }
            throw .invalidParameter("\(error)")
        }
        let socket = try TCPSocket.connect(to: address, timeout: parameters.controlTimeout)
        defer { socket.close() }
        socket.setNoDelay()
        let control = ControlChannel(socket: socket, timeout: parameters.controlTimeout)
        try socket.write(cookie, deadline: .now + parameters.controlTimeout, what: "cookie")
        try control.expect(.paramExchange)
        // UDP: datagram size from the control connection's MSS unless set, 1 Mbit/s unless set.
        let datagramSize = parameters.udp ? parameters.udpDatagramSize(controlMSS: socket.maximumSegmentSize) : nil
        try control.sendJSON(
            IperfParameters(
                time: parameters.duration, parallel: parameters.parallel, reverse: parameters.reverse, udp: parameters.udp,
                blockSize: datagramSize ?? parameters.blockSize, bandwidth: parameters.effectiveBandwidth),
            what: "parameters")
        try control.expect(.createStreams)
        if let datagramSize { return try runUDPStreams(control: control, address: address, datagramSize: datagramSize) }

        var streams: [TCPSocket] = []
        defer { streams.forEach { $0.close() } }
        for _ in 0..<parameters.parallel {
            let stream = try TCPSocket.connect(to: address, timeout: parameters.controlTimeout)
            streams.append(stream)
            try stream.write(cookie, deadline: .now + parameters.controlTimeout, what: "stream cookie")
        }
        let sending = !parameters.reverse
        let (tallies, seconds) = try runTestPhase(control, sockets: streams, stopReceiversBeforeTestEnd: false) { index, stream, timeline, stop in
            StreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sending, blockSize: parameters.blockSize,
                start: timeline.start, stopSending: timeline.stopSending, hardStop: timeline.hardStop, intervals: timeline.intervals,
                stop: stop, bitsPerSecond: parameters.bandwidth)
        }
        let theirs = try exchangeResults(
            control,
            IperfResults(
                streams: tallies.map { .init(id: $0.streamID, bytes: $0.bytes, retransmits: $0.retransmits ?? -1, endTime: seconds) },
                sender: sending))
        return ThroughputReport(
            local: tallies, remote: theirs, localSent: sending, seconds: seconds,
            diags: "iperf3 protocol client to \(address.host) port \(parameters.port), \(parameters.parallel) stream(s), \(sending ? "forward" : "reverse"), \(parameters.duration) s")
    }
}
