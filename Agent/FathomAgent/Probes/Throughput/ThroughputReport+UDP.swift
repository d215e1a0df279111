extension ThroughputReport {
    /// The sender's datagram count, stream by stream: ours when we sent, else the peer's report.
    func senderPackets(streamID: Int, local tally: UDPStreamTally) -> Int {
        localSent ? tally.packets : remote.streams.first { $0.id == streamID }?.packets ?? 0
    }

    /// The receiver's loss and jitter (seconds) for one stream: ours when we received, else the
    /// peer's report (iperf3 sends `errors` and `jitter` from its receiving side).
    func receiverFigures(streamID: Int, local tally: UDPStreamTally) -> (lost: Int, jitter: Double, outOfOrder: Int?) {
        if !localSent { return (tally.lost, tally.jitter, tally.outOfOrder) }
        let theirs = remote.streams.first { $0.id == streamID }
        return (theirs?.errors ?? 0, theirs?.jitter ?? 0, nil)
    }

    /// UDP: datagrams sent, all streams.
    public var senderPackets: Int {
        (udp ?? []).reduce(0) { $0 + senderPackets(streamID: $1.transfer.streamID, local: $1) }
    }

    /// UDP: datagrams lost, all streams (as the receiver counted them).
    public var lostPackets: Int {
        (udp ?? []).reduce(0) { $0 + receiverFigures(streamID: $1.transfer.streamID, local: $1).lost }
    }

    /// UDP: mean of the streams' jitter in milliseconds (iperf3's `end.sum.jitter_ms`).
    public var meanJitterMilliseconds: Double {
        guard let udp, !udp.isEmpty else { return 0 }
        return udp.reduce(0) { $0 + receiverFigures(streamID: $1.transfer.streamID, local: $1).jitter }
            / Double(udp.count) * 1000
    }

    /// `  0/382 lost (0%)  jitter 0.024 ms` after the receiver line of a UDP summary.
    var udpReceiverText: String {
        guard udp != nil else { return "" }
        let sent = senderPackets
        let lost = lostPackets
        let percent = sent > 0 ? 100 * Double(lost) / Double(sent) : 0
        return "  \(lost)/\(sent) lost (\(Self.fixed(percent, 2))%)  jitter \(Self.fixed(meanJitterMilliseconds, 3)) ms"
    }

    /// The pScheduler-shaped result of a UDP test, as pScheduler's iperf3 parser fills it:
    ///
    /// - intervals: this side's counts per second; `sent` is the interval's datagrams (a
    ///   receiver's: the rise of the highest packet number), and a receiver adds `lost` and
    ///   `jitter` (ms) as iperf3's receiver intervals do;
    /// - summary.streams (iperf3's `end.streams[].udp`): the sender's bytes and datagrams with the
    ///   receiver's `lost` and real `jitter`;
    /// - summary.summary (iperf3's `end.sum`): the sender's bytes and datagrams, all streams' loss,
    ///   mean jitter, and `receiver-throughput-bits` from the receiver's byte count.
    func udpResult(_ udp: [UDPStreamTally]) -> ThroughputResult {
        let count = udp.map(\.intervalPackets.count).max() ?? 0
        var intervals: [ThroughputPeriod] = []
        for index in 0..<count {
            let (start, end, _) = intervalBounds(index, count: count)
            let streams = udp.map { tally in
                var data = ThroughputData(
                    streamID: tally.transfer.socket, start: start, end: end,
                    bytes: tally.transfer.intervalBytes[safe: index] ?? 0, omitted: false)
                data.sent = tally.intervalPackets[safe: index] ?? 0
                if !tally.transfer.sending {
                    data.lost = tally.intervalLost[safe: index] ?? 0
                    data.jitter = (tally.intervalJitter[safe: index] ?? 0) * 1000
                }
                return data
            }
            var summary = ThroughputData(
                start: start, end: end, bytes: streams.reduce(0) { $0 + $1.throughputBytes }, omitted: false)
            summary.sent = streams.reduce(0) { $0 + ($1.sent ?? 0) }
            if !localSent {
                summary.lost = streams.reduce(0) { $0 + ($1.lost ?? 0) }
                summary.jitter = streams.reduce(0) { $0 + ($1.jitter ?? 0) } / Double(max(1, streams.count))
            }
            intervals.append(ThroughputPeriod(streams: streams, summary: summary))
        }
        let streams: [ThroughputData] = udp.map { tally in
            let id = tally.transfer.streamID
            let bytes = localSent ? tally.transfer.bytes : remote.streams.first { $0.id == id }?.bytes ?? 0
            let receiver = receiverFigures(streamID: id, local: tally)
            var data = ThroughputData(streamID: tally.transfer.socket, start: 0, end: seconds, bytes: bytes)
            data.sent = senderPackets(streamID: id, local: tally)
            data.lost = receiver.lost
            data.jitter = receiver.jitter * 1000
            return data
        }
        var summary = ThroughputData(start: 0, end: seconds, bytes: sentBytes)
        summary.sent = senderPackets
        summary.lost = lostPackets
        summary.jitter = meanJitterMilliseconds
        summary.receiverThroughputBits = receiverBitsPerSecond
        return ThroughputResult(
            diags: diags, intervals: intervals, summary: ThroughputPeriod(streams: streams, summary: summary))
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
