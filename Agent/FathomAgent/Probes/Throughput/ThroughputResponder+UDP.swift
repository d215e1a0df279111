extension ThroughputResponder {
    /// A UDP test after its parameters were accepted, as `iperf3 -s` runs one: bind the UDP
    /// socket on the listener's port number before CREATE_STREAMS, accept one datagram stream per
    /// `parallel` (`UDPListener.accept`), then move datagrams until the client's TEST_END and
    /// exchange results carrying packets, loss and jitter.
    ///
    /// ```swift
    /// if parameters.udp == true { return .success(try udpSession(control, parameters: parameters)) }
    /// ```
    func udpSession(_ control: ControlChannel, parameters: IperfParameters) throws(ThroughputError) -> ThroughputReport
    {
        let datagramSize = parameters.len ?? IperfParameters.defaultUDPBlockSize
        let udp: UDPListener
        do { udp = try UDPListener(port: listener.port) } catch {
            control.sendServerError(IperfState.streamListenFailed)
            throw error
        }
        defer { udp.close() }
        try control.send(.createStreams)
        var streams: [UDPSocket] = []
        defer { for stream in streams { stream.close() } }
        let count = parameters.parallel ?? 1
        let deadline = ContinuousClock.now + controlTimeout
        while streams.count < count {
            let stream: UDPSocket?
            do { stream = try udp.accept(deadline: deadline, datagramSize: datagramSize) } catch {
                control.sendServerError(IperfState.streamAcceptFailed)
                throw error
            }
            guard let stream else { throw .timeout("\(count) UDP stream connect datagram(s), got \(streams.count)") }
            streams.append(stream)
        }
        // As iperf3: once every stream is in, nothing listens for more.
        udp.close()
        // The client's window and TOS (iperf3 sets them on UDP streams too).
        let options = StreamSocketOptions(window: parameters.window, tos: parameters.tos)
        for stream in streams {
            do { try options.apply(to: stream.fd) } catch {
                control.sendServerError(error.iperfErrno, errno: error.errno)
                throw error.throughputError
            }
        }
        let sending = parameters.reverse == true
        let (counted, seconds) = try runTestPhase(control, sockets: streams, parameters: parameters) {
            index, stream, timeline, stop in
            UDPStreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sending,
                datagramSize: datagramSize,
                counters64Bit: parameters.udpCounters64Bit, start: timeline.start, stopSending: timeline.stopSending,
                hardStop: timeline.hardStop, intervals: timeline.intervals, stop: stop,
                bitsPerSecond: parameters.bandwidth)
        }
        // Tests only (FATHOM_TEST_MISCOUNT_BYTES): a counting bug, in the report and the exchange alike.
        let tallies = ResponderMiscount.fromEnvironment().map { miscount in counted.map(miscount.applied) } ?? counted
        let theirs = try exchangeResults(
            control, IperfResults(streams: tallies.map { .init(udp: $0, endTime: seconds) }, sender: sending))
        return ThroughputReport(
            udp: tallies, remote: theirs, localSent: sending, seconds: seconds,
            diags: "iperf3 protocol responder on port \(listener.port), UDP, \(streams.count) stream(s), "
                + "\(sending ? "reverse (responder sends)" : "forward (responder receives)"), \(datagramSize)-byte datagrams, "
                + (parameters.bandwidth.map { $0 > 0 ? "\($0) bit/s per stream" : "unpaced" } ?? "unpaced"))
    }
}
