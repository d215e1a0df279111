import Glibc

extension ThroughputResponder {
    /// Runs the TCP test on the accepted streams (`runTestPhase`), then exchanges results.
    ///
    /// The responder sends on every stream in reverse, on none forward, and with `--bidir` on the
    /// second half (the first `parallel` streams are the client's senders, as iperf3 accepts them).
    /// The report is the forward direction's; a bidirectional test adds the other in `bidirReverse`.
    func measure(_ control: ControlChannel, streams: [TCPSocket], parameters: IperfParameters) throws(ThroughputError)
        -> ThroughputReport
    {
        let parallel = parameters.parallel ?? 1
        let bidirectional = parameters.bidirectional == true
        let sends = { (index: Int) in bidirectional ? index >= parallel : parameters.reverse == true }
        let (counted, seconds) = try runTestPhase(control, sockets: streams, parameters: parameters) {
            index, stream, timeline, stop in
            StreamTransfer(
                socket: stream, streamID: StreamTransfer.streamID(index: index), sending: sends(index),
                blockSize: parameters.len ?? IperfParameters.defaultBlockSize, timeline: timeline, stop: stop,
                bitsPerSecond: parameters.bandwidth, zeroCopy: parameters.zerocopy != nil)
        }
        // Tests only (FATHOM_TEST_MISCOUNT_BYTES): a counting bug, in the report and the exchange alike.
        let tallies = ResponderMiscount.fromEnvironment().map { miscount in counted.map(miscount.applied) } ?? counted
        let applied = streams.first.map { StreamSocketOptions.Applied(reading: $0.fd) }
        var mine = IperfResults(
            streams: tallies.map {
                .init(id: $0.streamID, bytes: $0.bytes, retransmits: $0.retransmits ?? -1, endTime: seconds)
            },
            sender: tallies.contains { $0.sending })
        mine.congestionUsed = applied?.congestion
        let theirs = try exchangeResults(control, mine)
        let omit = parameters.omit ?? 0
        let limit = parameters.byteLimit.map { ", ends after \($0) B" } ?? ""
        let what =
            "iperf3 protocol responder on port \(listener.port), \(parallel) stream(s)\(omit > 0 ? ", \(omit) s omitted" : "")\(limit)"
        let settings = applied.map { "; \($0)" } ?? ""
        func report(sending: Bool, direction: String) -> ThroughputReport {
            var report = ThroughputReport(
                local: tallies.filter { $0.sending == sending }, remote: theirs, localSent: sending, seconds: seconds,
                diags: "\(what), \(direction)\(settings)")
            report.omitSeconds = omit
            report.socketOptions = applied
            return report
        }
        guard bidirectional else {
            let sending = parameters.reverse == true
            return report(
                sending: sending, direction: sending ? "reverse (responder sends)" : "forward (responder receives)")
        }
        var forward = report(sending: false, direction: "bidirectional, forward (responder receives)")
        forward.bidirReverse = [report(sending: true, direction: "bidirectional, reverse (responder sends)")]
        return forward
    }

    /// Sets `TCP_MAXSEG` on the listener, when the client asked for an MSS, so the data streams'
    /// handshakes carry it; a refusal is iperf3's `IESETMSS`. `resetListenerMSS` undoes it.
    func applyListenerMSS(_ mss: Int?, _ control: ControlChannel) throws(ThroughputError) {
        guard let mss else { return }
        var value = Int32(clamping: mss)
        if setsockopt(listener.fd, Int32(IPPROTO_TCP), TCP_MAXSEG, &value, 4) != 0 {
            let code = errno
            control.sendServerError(IperfState.setMSS, errno: code)
            throw .socket(call: "TCP_MAXSEG \(mss)", errno: code)
        }
    }

    /// The kernel's own MSS again for the next test's handshakes (0 clears the user MSS).
    func resetListenerMSS() {
        var zero: Int32 = 0
        setsockopt(listener.fd, Int32(IPPROTO_TCP), TCP_MAXSEG, &zero, 4)
    }

    /// The client's window, congestion algorithm, TOS and no-delay on every accepted stream; a
    /// refusal goes to the client as SERVER_ERROR with iperf3's own error number.
    func applyOptions(_ options: StreamSocketOptions, to streams: [TCPSocket], _ control: ControlChannel)
        throws(ThroughputError)
    {
        var options = options
        // The MSS is fixed by the handshakes, which the listener already answered.
        options.mss = nil
        for stream in streams {
            do { try options.apply(to: stream.fd) } catch {
                control.sendServerError(error.iperfErrno, errno: error.errno)
                throw error.throughputError
            }
        }
    }
}
