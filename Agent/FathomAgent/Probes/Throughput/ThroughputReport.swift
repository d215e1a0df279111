/// What one test measured on this side plus what the peer reported, turned into the
/// pScheduler-shaped result and a readable summary.
///
/// As in pScheduler, the summary is the **sender's** view (its bytes and retransmits) with
/// `receiver-throughput-bits` from the receiver; intervals are this side's own counts.
///
/// ```swift
/// print(report.summary)                         // "sender  2.00 s  21.3 Gbit/s  …"
/// print(try report.result.jsonString())
/// ```
public struct ThroughputReport: Sendable {
    /// This side's streams.
    public var local: [StreamTransfer.Tally]
    /// The peer's EXCHANGE_RESULTS message.
    public var remote: IperfResults
    /// Whether this side sent the data.
    public var localSent: Bool
    /// Seconds from TEST_RUNNING to TEST_END as seen here.
    public var seconds: Double
    public var diags: String
    /// UDP tests: this side's datagram counts, loss and jitter, stream by stream (same order as
    /// `local`); nil for TCP.
    public var udp: [UDPStreamTally]?

    public init(local: [StreamTransfer.Tally], remote: IperfResults, localSent: Bool, seconds: Double, diags: String) {
        self.local = local
        self.remote = remote
        self.localSent = localSent
        self.seconds = seconds
        self.diags = diags
    }

    /// A UDP test's report; `local` holds the same streams' byte counts.
    public init(udp: [UDPStreamTally], remote: IperfResults, localSent: Bool, seconds: Double, diags: String) {
        self.init(local: udp.map(\.transfer), remote: remote, localSent: localSent, seconds: seconds, diags: diags)
        self.udp = udp
    }

    public var localBytes: Int64 { local.reduce(0) { $0 + $1.bytes } }
    public var sentBytes: Int64 { localSent ? localBytes : remote.totalBytes }
    public var receivedBytes: Int64 { localSent ? remote.totalBytes : localBytes }
    public var senderBitsPerSecond: Double { seconds > 0 ? Double(sentBytes) * 8 / seconds : 0 }
    public var receiverBitsPerSecond: Double { seconds > 0 ? Double(receivedBytes) * 8 / seconds : 0 }

    /// Retransmits of the sending side, from whichever side sent.
    public var retransmits: Int? {
        if localSent { return local.allSatisfy { $0.retransmits != nil } ? local.reduce(0) { $0 + ($1.retransmits ?? 0) } : nil }
        return remote.sender_has_retransmits == 1 ? remote.streams.reduce(0) { $0 + ($1.retransmitCount ?? 0) } : nil
    }

    public var result: ThroughputResult {
        if let udp { return udpResult(udp) }
        let count = local.map(\.intervalBytes.count).max() ?? 0
        var intervals: [ThroughputPeriod] = []
        for index in 0..<count {
            let (start, end) = intervalBounds(index, count: count)
            let streams = local.map { tally in
                ThroughputData(
                    streamID: tally.socket, start: start, end: end, bytes: tally.intervalBytes[index],
                    retransmits: tally.intervalRetransmits?[index], rtt: tally.intervalRTT?[index] ?? nil,
                    tcpWindowSize: tally.intervalWindow?[index] ?? nil, omitted: false)
            }
            let retransmits = streams.allSatisfy { $0.retransmits != nil } ? streams.reduce(0) { $0 + ($1.retransmits ?? 0) } : nil
            intervals.append(ThroughputPeriod(
                streams: streams,
                summary: ThroughputData(start: start, end: end, bytes: streams.reduce(0) { $0 + $1.throughputBytes }, retransmits: retransmits, omitted: false)))
        }
        // Summary streams come from the sender: ours when we sent, else the peer's report (by id).
        let streams: [ThroughputData] = local.map { tally in
            let remoteStream = remote.streams.first { $0.id == tally.streamID }
            let bytes = localSent ? tally.bytes : remoteStream?.bytes ?? 0
            let retransmits = localSent ? tally.retransmits : remoteStream?.retransmitCount
            return ThroughputData(streamID: tally.socket, start: 0, end: seconds, bytes: bytes, retransmits: retransmits, rtt: localSent ? tally.rttMicroseconds : nil)
        }
        var summary = ThroughputData(start: 0, end: seconds, bytes: sentBytes, retransmits: retransmits)
        summary.receiverThroughputBits = receiverBitsPerSecond
        return ThroughputResult(diags: diags, intervals: intervals, summary: ThroughputPeriod(streams: streams, summary: summary))
    }

    /// Seconds from the test start to the start and end of interval `index` of `count`: whole
    /// seconds, except that the last interval ends when the test did.
    func intervalBounds(_ index: Int, count: Int) -> (start: Double, end: Double) {
        let start = Double(index)
        return (start, index == count - 1 ? max(seconds, start + 0.001) : Double(index + 1))
    }

    /// iperf3-like lines: one per interval, then sender and receiver totals.
    public var summary: String {
        var text = ""
        for period in result.intervals {
            text += "\(Self.range(period.summary.start, period.summary.end))  \(Self.bytes(period.summary.throughputBytes))  \(Self.rate(period.summary.throughputBits))\n"
        }
        let retransmitText = udp == nil ? retransmits.map { "  \($0) retransmits" } ?? "" : "  \(senderPackets) datagrams"
        text += "\(Self.range(0, seconds))  \(Self.bytes(sentBytes))  \(Self.rate(senderBitsPerSecond))  sender\(retransmitText)\n"
        text += "\(Self.range(0, seconds))  \(Self.bytes(receivedBytes))  \(Self.rate(receiverBitsPerSecond))  receiver\(udpReceiverText)\n"
        return text
    }

    static func range(_ start: Double, _ end: Double) -> String { "\(fixed(start, 2))-\(fixed(end, 2)) s" }
    static func bytes(_ count: Int64) -> String { "\(fixed(Double(count) / 1_048_576, 1)) MiB" }
    static func rate(_ bits: Double) -> String { bits >= 1e9 ? "\(fixed(bits / 1e9, 2)) Gbit/s" : "\(fixed(bits / 1e6, 2)) Mbit/s" }

    /// Fixed decimals without Foundation's `String(format:)`.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale), fraction = String(abs(scaled) % Int64(scale))
        return decimals == 0 ? "\(whole)" : "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }
}
