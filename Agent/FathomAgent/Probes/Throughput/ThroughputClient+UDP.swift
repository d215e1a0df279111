import Glibc

extension ThroughputClient {
    /// The UDP part of a test, from CREATE_STREAMS on: connect the datagram streams
    /// (`UDPStreamHandshake`), move paced datagrams for the duration (or receive them in reverse),
    /// send TEST_END, and exchange results carrying packets, loss and jitter.
    ///
    /// As iperf3, the receiving side stops counting at TEST_END; datagrams already queued then
    /// are still read (`UDPStreamTransfer.drainLimit`).
    ///
    /// ```swift
    /// let report = try client.runUDPStreams(control: control, address: address, datagramSize: 1460)
    /// ```
    func runUDPStreams(control: ControlChannel, address: SocketAddress, datagramSize: Int) throws(ThroughputError) -> ThroughputReport {
        var streams: [UDPSocket] = []
        defer { streams.forEach { $0.close() } }
        for _ in 0..<parameters.parallel {
            streams.append(
                try UDPStreamHandshake.connect(to: address, timeout: parameters.controlTimeout, datagramSize: datagramSize, reverse: parameters.reverse))
        }
        try control.expect(.testStart)
        try control.expect(.testRunning)

        let sending = !parameters.reverse
        let start = ContinuousClock.now
        let end = start + .seconds(parameters.duration)
        let hardStop = end + parameters.controlTimeout
        let group = try UDPTransferGroup(sockets: streams) { index, stream, stop in
            UDPStreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sending, datagramSize: datagramSize,
                counters64Bit: false, start: start, stopSending: end, hardStop: hardStop, intervals: parameters.duration, stop: stop,
                bitsPerSecond: parameters.effectiveBandwidth)
        }
        // Declared after the sockets' close, so it runs first: no thread outlives its socket.
        defer { group.stopAndJoin() }
        // If the server gives up mid-test, stop the streams rather than wait out the duration.
        if try control.socket.wait(for: Int16(POLLIN), deadline: end) {
            group.stopAndJoin()
            // The server must stay silent until TEST_END; this maps what it said to an error.
            try control.expect(.iperfDone)
            throw .protocolViolation("server sent IPERF_DONE during the test")
        }
        // A sender stops at `end` by itself; a receiver stops counting now, as iperf3's does.
        let tallies = sending ? group.join() : group.stopAndJoin()
        let seconds = StreamTransfer.seconds(start.duration(to: .now))
        try control.send(.testEnd)

        try control.expect(.exchangeResults, deadline: .now + parameters.controlTimeout)
        try control.sendJSON(IperfResults(streams: tallies.map { .init(udp: $0, endTime: seconds) }, sender: sending), what: "client results")
        let theirs = try control.readJSON(IperfResults.self, maxLength: 16 << 20, what: "server results")
        try control.expect(.displayResults)
        try control.send(.iperfDone)
        return ThroughputReport(
            udp: tallies, remote: theirs, localSent: sending, seconds: seconds,
            diags: "iperf3 protocol client to \(address.host) port \(parameters.port), UDP, \(parameters.parallel) stream(s), "
                + "\(sending ? "forward" : "reverse"), \(parameters.duration) s, \(datagramSize)-byte datagrams, "
                + (parameters.effectiveBandwidth.map { "\($0) bit/s per stream" } ?? "unpaced"))
    }
}
