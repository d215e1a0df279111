import Glibc

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
        let address = try Self.resolve(parameters.dest, family: parameters.ipVersion).with(
            port: UInt16(parameters.port))
        // The local address in the destination's family (iperf3's -B), any port.
        let local = try parameters.localAddress.map { name throws(ThroughputError) in
            try Self.resolve(name, family: address.family == AF_INET6 ? 6 : 4)
        }
        if !parameters.udp {
            do { try parameters.socketOptions.check(family: address.family) } catch { throw error.throughputError }
        }
        let socket = try TCPSocket.connect(to: address, timeout: parameters.controlTimeout, local: local)
        defer { socket.close() }
        socket.setNoDelay()
        let control = ControlChannel(socket: socket, timeout: parameters.controlTimeout)
        try socket.write(cookie, deadline: .now + parameters.controlTimeout, what: "cookie")
        try control.expect(.paramExchange)
        // UDP: datagram size from the control connection's MSS unless set, 1 Mbit/s unless set.
        let datagramSize = parameters.udp ? parameters.udpDatagramSize(controlMSS: socket.maximumSegmentSize) : nil
        try control.sendJSON(
            parameters.iperfParameters(blockSize: datagramSize ?? parameters.blockSize), what: "parameters")
        try control.expect(.createStreams)
        if let datagramSize {
            return try runUDPStreams(control: control, address: address, local: local, datagramSize: datagramSize)
        }

        var streams: [TCPSocket] = []
        defer { for stream in streams { stream.close() } }
        // --bidir: the sending streams first, then as many receiving ones, as iperf3 connects them.
        let count = parameters.parallel * (parameters.bidirectional ? 2 : 1)
        for _ in 0..<count {
            let stream = try TCPSocket.connect(
                to: address, timeout: parameters.controlTimeout, local: local, options: parameters.socketOptions)
            streams.append(stream)
            try stream.write(cookie, deadline: .now + parameters.controlTimeout, what: "stream cookie")
        }
        let sends = { (index: Int) in parameters.bidirectional ? index < parameters.parallel : !parameters.reverse }
        let (tallies, seconds) = try runTestPhase(control, sockets: streams, stopReceiversBeforeTestEnd: false) {
            index, stream, timeline, stop in
            StreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sends(index),
                blockSize: parameters.blockSize,
                timeline: timeline, stop: stop, bitsPerSecond: parameters.bandwidth, zeroCopy: parameters.zeroCopy)
        }
        let theirs = try exchangeResults(
            control,
            IperfResults(
                streams: tallies.map {
                    .init(id: $0.streamID, bytes: $0.bytes, retransmits: $0.retransmits ?? -1, endTime: seconds)
                },
                sender: tallies.contains { $0.sending }))
        let applied = streams.first.map { StreamSocketOptions.Applied(reading: $0.fd) }
        func report(sending: Bool, direction: String) -> ThroughputReport {
            var report = ThroughputReport(
                local: tallies.filter { $0.sending == sending }, remote: theirs, localSent: sending, seconds: seconds,
                diags:
                    "iperf3 protocol client to \(address.host) port \(parameters.port), \(parameters.parallel) stream(s), \(direction), \(testLength)"
                    + (applied.map { "; \($0)" } ?? "")
                    + (theirs.congestionUsed.map { ", server congestion \($0)" } ?? ""))
            report.omitSeconds = parameters.omit
            report.intervalSeconds = StreamTransfer.seconds(parameters.interval)
            report.socketOptions = applied
            return report
        }
        guard parameters.bidirectional else {
            return report(sending: !parameters.reverse, direction: parameters.reverse ? "reverse" : "forward")
        }
        var forward = report(sending: true, direction: "bidirectional, forward")
        forward.bidirReverse = [report(sending: false, direction: "bidirectional, reverse")]
        return forward
    }

    /// How the test ends, for the diagnostics: "10 s", "2 s omitted + 10 s", "10485760 B".
    var testLength: String {
        let end = parameters.byteLimit.map { "\($0) B" } ?? "\(parameters.duration) s"
        return parameters.omit > 0 ? "\(parameters.omit) s omitted + \(end)" : end
    }

    /// `name` resolved in `family` (4, 6 or either), as a throughput error.
    static func resolve(_ name: String, family: Int?) throws(ThroughputError) -> IPSocketAddress {
        do { return try IPSocketAddress.resolve(name, family: family) } catch {
            if case .unresolvable(let name, let reason) = error { throw .unresolvable(name: name, reason: reason) }
            throw .invalidParameter("\(error)")
        }
    }
}
