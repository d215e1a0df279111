import Glibc

extension ThroughputClient {
    /// The client's test, TCP and UDP alike, once its data streams are connected: TEST_START and
    /// TEST_RUNNING, one `StreamLoop` per socket for the duration (stopped early, with an error,
    /// when the server speaks out of turn), then TEST_END. `make` builds each stream's loop on the
    /// test's `TestTimeline`.
    ///
    /// A sender stops at the end of the duration by itself. A receiver is stopped before TEST_END
    /// when `stopReceiversBeforeTestEnd` is set (UDP: iperf3 stops counting there); otherwise it
    /// reads on until the server closes its senders on TEST_END (TCP).
    ///
    /// ```swift
    /// let (tallies, seconds) = try runTestPhase(control, sockets: streams, stopReceiversBeforeTestEnd: false) { index, stream, timeline, stop in
    ///     StreamTransfer(socket: stream, streamID: StreamTransfer.streamID(index: index), sending: true, timeline: timeline, stop: stop)
    /// }
    /// ```
    func runTestPhase<Socket, Transfer: StreamLoop>(
        _ control: ControlChannel, sockets: [Socket], stopReceiversBeforeTestEnd: Bool,
        make: TestTimeline.MakeLoop<Socket, Transfer>
    ) throws(ThroughputError) -> (tallies: [Transfer.Tally], seconds: Double) {
        try control.expect(.testStart)
        try control.expect(.testRunning)

        let start = ContinuousClock.now
        let omit = Duration.seconds(parameters.omit)
        let limit = parameters.byteLimit
        // A timed test sends for omit plus duration; a byte-count test until the count (a day at most).
        let end = limit == nil ? start + omit + .seconds(parameters.duration) : nil
        let timeline = TestTimeline(
            start: start, stopSending: end,
            hardStop: (end ?? start + omit + .seconds(86400)) + parameters.controlTimeout,
            duration: limit == nil ? parameters.duration : nil, omit: parameters.omit, interval: parameters.interval,
            budget: TransferBudget(limit: limit))
        let group = try TransferGroup(sockets: sockets) { index, socket, stop in make(index, socket, timeline, stop) }
        // Declared after the sockets' close (in the caller), so it runs first: no thread outlives its socket.
        defer { group.stopAndJoin() }
        // If the server gives up mid-test, stop the streams rather than wait out the duration.
        if try serverSpokeBeforeTheEnd(control, timeline: timeline) {
            group.stopAndJoin()
            // The server must stay silent until TEST_END; this maps what it said to an error.
            try control.expect(.iperfDone)
            throw .protocolViolation("server sent IPERF_DONE during the test")
        }
        // A sender stops by itself at the end (or once the byte count is sent); a bidirectional
        // client's receiving streams read on until the server closes its senders after TEST_END.
        let sending = !parameters.reverse && !parameters.bidirectional
        if sending { group.join() } else if stopReceiversBeforeTestEnd { group.stopAndJoin() }
        let seconds = timeline.secondsSoFar
        try control.send(.testEnd)
        // A TCP receiver reads on until the server closes its senders (it does on TEST_END).
        return (group.join(), seconds)
    }

    /// Waits for the end of the test (the duration, or the byte count moved in either direction,
    /// as iperf3's client ends on `bytes_sent` or `bytes_received`); true when the server spoke first.
    func serverSpokeBeforeTheEnd(_ control: ControlChannel, timeline: TestTimeline) throws(ThroughputError) -> Bool {
        if let end = timeline.stopSending { return try control.socket.wait(for: Int16(POLLIN), deadline: end) }
        while !timeline.budget.sendingDone && !timeline.budget.receivingDone {
            if ContinuousClock.now >= timeline.hardStop { throw .timeout("the byte count to be moved") }
            if try control.socket.wait(for: Int16(POLLIN), deadline: .now + .milliseconds(20)) { return true }
        }
        return false
    }

    /// EXCHANGE_RESULTS to IPERF_DONE: sends this side's results, returns the server's.
    ///
    /// ```swift
    /// let theirs = try exchangeResults(control, IperfResults(streams: …, sender: true))
    /// ```
    func exchangeResults(_ control: ControlChannel, _ mine: IperfResults) throws(ThroughputError) -> IperfResults {
        try control.expect(.exchangeResults, deadline: .now + parameters.controlTimeout)
        try control.sendJSON(mine, what: "client results")
        let theirs = try control.readJSON(IperfResults.self, maxLength: 16 << 20, what: "server results")
        try control.expect(.displayResults)
        try control.send(.iperfDone)
        return theirs
    }
}
