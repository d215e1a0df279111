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
    ///     StreamTransfer(socket: stream, streamID: StreamTransfer.streamID(index: index), sending: true, start: timeline.start, …)
    /// }
    /// ```
    func runTestPhase<Socket, Transfer: StreamLoop>(
        _ control: ControlChannel, sockets: [Socket], stopReceiversBeforeTestEnd: Bool,
        make: TestTimeline.MakeLoop<Socket, Transfer>
    ) throws(ThroughputError) -> (tallies: [Transfer.Tally], seconds: Double) {
        try control.expect(.testStart)
        try control.expect(.testRunning)

        let sending = !parameters.reverse
        let start = ContinuousClock.now
        let end = start + .seconds(parameters.duration)
        let timeline = TestTimeline(start: start, stopSending: end, hardStop: end + parameters.controlTimeout, intervals: parameters.duration)
        let group = try TransferGroup(sockets: sockets) { index, socket, stop in make(index, socket, timeline, stop) }
        // Declared after the sockets' close (in the caller), so it runs first: no thread outlives its socket.
        defer { group.stopAndJoin() }
        // If the server gives up mid-test, stop the streams rather than wait out the duration.
        if try control.socket.wait(for: Int16(POLLIN), deadline: end) {
            group.stopAndJoin()
            // The server must stay silent until TEST_END; this maps what it said to an error.
            try control.expect(.iperfDone)
            throw .protocolViolation("server sent IPERF_DONE during the test")
        }
        if sending { group.join() } else if stopReceiversBeforeTestEnd { group.stopAndJoin() }
        let seconds = timeline.secondsSoFar
        try control.send(.testEnd)
        // A TCP receiver reads on until the server closes its senders (it does on TEST_END).
        return (group.join(), seconds)
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
