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
    /// Seconds omitted from the start (iperf3's `-O`); their intervals lead `result.intervals`,
    /// marked omitted, and nothing else counts them.
    public var omitSeconds = 0
    /// Seconds per report interval (iperf3's `-i`).
    public var intervalSeconds = 1.0
    /// A bidirectional test (`--bidir`): the other direction's report (at most one); this
    /// report is the forward direction's (the client sends), as iperf3's `sum_sent`/`sum_received`.
    public var bidirReverse: [ThroughputReport] = []
    /// The data streams' socket options as the kernel kept them (the first stream's).
    public var socketOptions: StreamSocketOptions.Applied?

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
    /// The peer's bytes on this report's streams (a bidirectional peer reports both directions).
    public var remoteBytes: Int64 {
        let ids = Set(local.map(\.streamID))
        let matched = remote.streams.filter { ids.contains($0.id) }
        return matched.isEmpty ? remote.totalBytes : matched.reduce(0) { $0 + $1.bytes }
    }
    public var sentBytes: Int64 { localSent ? localBytes : remoteBytes }
    public var receivedBytes: Int64 { localSent ? remoteBytes : localBytes }
    public var senderBitsPerSecond: Double { seconds > 0 ? Double(sentBytes) * 8 / seconds : 0 }
    public var receiverBitsPerSecond: Double { seconds > 0 ? Double(receivedBytes) * 8 / seconds : 0 }

    /// Retransmits of the sending side, from whichever side sent.
    public var retransmits: Int? {
        if localSent {
            return local.allSatisfy { $0.retransmits != nil } ? local.reduce(0) { $0 + ($1.retransmits ?? 0) } : nil
        }
        let ids = Set(local.map(\.streamID))
        let streams = remote.streams.filter { ids.contains($0.id) }
        return remote.senderHasRetransmits == 1 ? streams.reduce(0) { $0 + ($1.retransmitCount ?? 0) } : nil
    }

    public var result: ThroughputResult {
        if let udp { return udpResult(udp) }
        let count = local.map(\.intervalBytes.count).max() ?? 0
        var intervals: [ThroughputPeriod] = []
        for index in 0..<count {
            let (start, end, omitted) = intervalBounds(index, count: count)
            let streams = local.map { tally in
                ThroughputData(
                    streamID: tally.socket, start: start, end: end,
                    bytes: index < tally.intervalBytes.count ? tally.intervalBytes[index] : 0,
                    retransmits: tally.intervalRetransmits.map { index < $0.count ? $0[index] : 0 },
                    rtt: tally.intervalRTT.flatMap { index < $0.count ? $0[index] : nil },
                    tcpWindowSize: tally.intervalWindow.flatMap { index < $0.count ? $0[index] : nil }, omitted: omitted
                )
            }
            let retransmits =
                streams.allSatisfy { $0.retransmits != nil } ? streams.reduce(0) { $0 + ($1.retransmits ?? 0) } : nil
            intervals.append(
                ThroughputPeriod(
                    streams: streams,
                    summary: ThroughputData(
                        start: start, end: end, bytes: streams.reduce(0) { $0 + $1.throughputBytes },
                        retransmits: retransmits, omitted: omitted)))
        }
        // Summary streams come from the sender: ours when we sent, else the peer's report (by id).
        let streams: [ThroughputData] = local.map { tally in
            let remoteStream = remote.streams.first { $0.id == tally.streamID }
            let bytes = localSent ? tally.bytes : remoteStream?.bytes ?? 0
            let retransmits = localSent ? tally.retransmits : remoteStream?.retransmitCount
            return ThroughputData(
                streamID: tally.socket, start: 0, end: seconds, bytes: bytes, retransmits: retransmits,
                rtt: localSent ? tally.rttMicroseconds : nil)
        }
        var summary = ThroughputData(start: 0, end: seconds, bytes: sentBytes, retransmits: retransmits)
        summary.receiverThroughputBits = receiverBitsPerSecond
        return ThroughputResult(
            diags: resultDiags, intervals: intervals, summary: ThroughputPeriod(streams: streams, summary: summary))
    }

    /// `diags`, plus the other direction's totals of a bidirectional test (pScheduler's result
    /// has room for one direction).
    var resultDiags: String {
        bidirReverse.reduce(diags) { text, other in
            text
                + "; reverse direction: \(other.sentBytes) B sent, \(other.receivedBytes) B received in \(Self.fixed(other.seconds, 3)) s"
                + ", \(Int(other.receiverBitsPerSecond)) bit/s received"
        }
    }

    /// Intervals within the omitted seconds, at the head of every stream's counts.
    var omittedIntervals: Int { local.map(\.omittedIntervals).max() ?? 0 }

    /// The start and end of interval `index` of `count`, and whether it is omitted, as iperf3
    /// prints them: omitted intervals from the test start, the others from the end of the omitted
    /// seconds (iperf3 restarts its clock when the omit timer fires); the last ends when the test did.
    func intervalBounds(_ index: Int, count: Int) -> (start: Double, end: Double, omitted: Bool) {
        let omitted = omittedIntervals
        if index < omitted {
            return (
                Double(index) * intervalSeconds, min(Double(index + 1) * intervalSeconds, Double(max(omitSeconds, 1))),
                true
            )
        }
        let start = Double(index - omitted) * intervalSeconds
        return (start, index == count - 1 ? max(seconds, start + 0.001) : start + intervalSeconds, false)
    }

    /// iperf3-like lines: one per interval, then sender and receiver totals.
    public var summary: String {
        var text = ""
        for period in result.intervals {
            text +=
                "\(Self.range(period.summary.start, period.summary.end))  \(Self.bytes(period.summary.throughputBytes))  \(Self.rate(period.summary.throughputBits))\n"
        }
        let retransmitText =
            udp == nil ? retransmits.map { "  \($0) retransmits" } ?? "" : "  \(senderPackets) datagrams"
        text +=
            "\(Self.range(0, seconds))  \(Self.bytes(sentBytes))  \(Self.rate(senderBitsPerSecond))  sender\(retransmitText)\n"
        text +=
            "\(Self.range(0, seconds))  \(Self.bytes(receivedBytes))  \(Self.rate(receiverBitsPerSecond))  receiver\(udpReceiverText)\n"
        for other in bidirReverse {
            text +=
                "\(Self.range(0, other.seconds))  \(Self.bytes(other.sentBytes))  \(Self.rate(other.senderBitsPerSecond))  sender (reverse)\n"
            text +=
                "\(Self.range(0, other.seconds))  \(Self.bytes(other.receivedBytes))  \(Self.rate(other.receiverBitsPerSecond))  receiver (reverse)\n"
        }
        return text
    }

    static func range(_ start: Double, _ end: Double) -> String { "\(fixed(start, 2))-\(fixed(end, 2)) s" }
    static func bytes(_ count: Int64) -> String { "\(fixed(Double(count) / 1_048_576, 1)) MiB" }
    static func rate(_ bits: Double) -> String {
        bits >= 1e9 ? "\(fixed(bits / 1e9, 2)) Gbit/s" : "\(fixed(bits / 1e6, 2)) Mbit/s"
    }

    /// Fixed decimals without Foundation's `String(format:)`.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = String(abs(scaled) % Int64(scale))
        return decimals == 0
            ? "\(whole)" : "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }
}
