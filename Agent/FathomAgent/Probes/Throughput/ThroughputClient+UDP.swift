extension ThroughputClient {
    /// The UDP part of a test, from CREATE_STREAMS on: connect the datagram streams
    /// (`UDPStreamHandshake`), move paced datagrams for the duration (or receive them in reverse),
    /// send TEST_END, and exchange results carrying packets, loss and jitter.
    ///
    /// As iperf3, the receiving side stops counting at TEST_END; datagrams already queued then
    /// are still read (`UDPStreamTransfer.drainLimit`).
    ///
    /// ```swift
    /// let report = try client.runUDPStreams(control: control, address: address, local: nil, datagramSize: 1460)
    /// ```
    func runUDPStreams(
        control: ControlChannel, address: IPSocketAddress, local: IPSocketAddress?, datagramSize: Int
    ) throws(ThroughputError) -> ThroughputReport {
        var streams: [UDPSocket] = []
        defer { for stream in streams { stream.close() } }
        for _ in 0..<parameters.parallel {
            streams.append(
                try UDPStreamHandshake.connect(
                    to: address, timeout: parameters.controlTimeout, datagramSize: datagramSize,
                    reverse: parameters.reverse, local: local,
                    options: parameters.socketOptions))
        }
        let sending = !parameters.reverse
        // A sender stops at the end by itself; a receiver stops counting at TEST_END, as iperf3's does.
        let (tallies, seconds) = try runTestPhase(control, sockets: streams, stopReceiversBeforeTestEnd: true) {
            index, stream, timeline, stop in
            UDPStreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sending,
                datagramSize: datagramSize,
                counters64Bit: false, start: timeline.start, stopSending: timeline.stopSending,
                hardStop: timeline.hardStop,
                intervals: timeline.intervals, stop: stop, bitsPerSecond: parameters.effectiveBandwidth)
        }
        let theirs = try exchangeResults(
            control, IperfResults(streams: tallies.map { .init(udp: $0, endTime: seconds) }, sender: sending))
        return ThroughputReport(
            udp: tallies, remote: theirs, localSent: sending, seconds: seconds,
            diags:
                "iperf3 protocol client to \(address.host) port \(parameters.port), UDP, \(parameters.parallel) stream(s), "
                + "\(sending ? "forward" : "reverse"), \(parameters.duration) s, \(datagramSize)-byte datagrams, "
                + (parameters.effectiveBandwidth.map { "\($0) bit/s per stream" } ?? "unpaced"))
    }
}
