extension ThroughputResponder {
    /// The responder's test, TCP and UDP alike, once every data stream is in: TEST_START and
    /// TEST_RUNNING, one `StreamLoop` per socket until the client's TEST_END (or the omitted
    /// seconds plus the duration plus `grace`), newcomers denied meanwhile (`waitForTestEnd`), then every stream stopped.
    /// `make` builds each stream's loop on the test's `TestTimeline`.
    ///
    /// ```swift
    /// let (tallies, seconds) = try runTestPhase(control, sockets: streams, parameters: parameters) { index, stream, timeline, stop in
    ///     StreamTransfer(socket: stream, streamID: StreamTransfer.streamID(index: index), sending: false, timeline: timeline, stop: stop)
    /// }
    /// ```
    func runTestPhase<Socket, Transfer: StreamLoop>(
        _ control: ControlChannel, sockets: [Socket], parameters: IperfParameters,
        make: TestTimeline.MakeLoop<Socket, Transfer>
    ) throws(ThroughputError) -> (tallies: [Transfer.Tally], seconds: Double) {
        try control.send(.testStart)
        try control.send(.testRunning)

        // The client's TEST_END ends the test: after omit plus time, or once a byte count moved
        // (time 0), which a day bounds as iperf3 bounds `time`.
        let omit = max(0, parameters.omit ?? 0)
        let limit = parameters.byteLimit
        let duration = limit == nil ? max(1, parameters.time ?? 10) : nil
        let start = ContinuousClock.now
        // A sender here stops at its own end of the test: the client stops counting at its end,
        // which comes a control message later, so what we send until its TEST_END arrives would
        // be counted as sent and never as received.
        let timeline = TestTimeline(
            start: start, stopSending: duration.map { start + .seconds(omit + $0) },
            hardStop: start + .seconds(omit + (duration ?? 86400)) + Self.grace, duration: duration,
            omit: omit, budget: TransferBudget(limit: limit))
        let group = try TransferGroup(sockets: sockets) { index, socket, stop in make(index, socket, timeline, stop) }
        // Runs before the caller closes the sockets: no thread outlives its socket.
        defer { group.stopAndJoin() }
        try waitForTestEnd(control, until: timeline.hardStop)
        let seconds = timeline.secondsSoFar
        return (group.stopAndJoin(), seconds)
    }

    /// EXCHANGE_RESULTS to DISPLAY_RESULTS: reads the client's results, sends this side's, and
    /// waits briefly for IPERF_DONE (an old or killed client may just close, which is fine).
    ///
    /// ```swift
    /// let theirs = try exchangeResults(control, IperfResults(streams: …, sender: false))
    /// ```
    func exchangeResults(_ control: ControlChannel, _ mine: IperfResults) throws(ThroughputError) -> IperfResults {
        try control.send(.exchangeResults)
        let theirs = try control.readJSON(IperfResults.self, maxLength: 16 << 20, what: "client results")
        try control.sendJSON(mine, what: "server results")
        try control.send(.displayResults)
        _ = try? control.readState(waiting: "IPERF_DONE", deadline: .now + .seconds(2))
        return theirs
    }
}
