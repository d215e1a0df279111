import FathomShared

/// Counts an rtt test's answers as they arrive and turns them into an `RTTResult`: the first
/// reply per sequence is a roundtrip, a later one a duplicate; a reply whose sequence is below
/// the previous reply's is a reorder (pScheduler `ping/run`'s rules, on per-packet data);
/// ICMP errors are roundtrips without an RTT and count as lost.
///
/// `min`/`max`/`mean`/`stddev` cover the first replies; `stddev` is ping's `mdev`, the
/// population standard deviation `sqrt(mean(rtt²) − mean(rtt)²)`.
///
/// ```swift
/// var tally = RTTTally()
/// tally.sent(seq: 1)
/// tally.reply(seq: 1, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(420))
/// tally.result.loss   // 0.0
/// ```
public struct RTTTally: Sendable {
    private var sentSequences: Set<Int> = []
    private var answered: Set<Int> = []
    private var roundtrips: [RTTRoundtrip] = []
    private var rtts: [Duration] = []
    private var duplicates = 0
    private var reorders = 0
    private var lastReplySequence: Int?

    public init() {}

    /// Requests sent so far.
    public var sentCount: Int { sentSequences.count }
    /// Sequences answered so far.
    public var receivedCount: Int { answered.count }

    /// Records that request `seq` left.
    public mutating func sent(seq: Int) {
        sentSequences.insert(seq)
    }

    /// Records an echo reply. Replies to sequences never sent are ignored.
    public mutating func reply(seq: Int, length: Int?, ip: String?, ttl: Int?, rtt: Duration) {
        guard sentSequences.contains(seq) else { return }
        guard !answered.contains(seq) else {
            duplicates += 1
            return
        }
        if let last = lastReplySequence, seq < last { reorders += 1 }
        lastReplySequence = seq
        answered.insert(seq)
        rtts.append(rtt)
        roundtrips.append(RTTRoundtrip(seq: seq, length: length, ip: ip, ttl: ttl, rtt: rtt))
    }

    /// Records an ICMP error about request `seq` (`error` nil when pScheduler has no name for it).
    public mutating func error(seq: Int, ip: String?, error: String?) {
        guard sentSequences.contains(seq) else { return }
        roundtrips.append(RTTRoundtrip(seq: seq, ip: ip, error: error))
    }

    /// The result so far; `diags` says how the probes went out.
    public func result(diags: String? = nil) -> RTTResult {
        let sent = sentCount
        let received = receivedCount
        var result = RTTResult(
            roundtrips: roundtrips, sent: sent, received: received, duplicates: duplicates, reorders: reorders,
            loss: sent == 0 ? 1.0 : Double(sent - received) / Double(sent), diags: diags)
        guard !rtts.isEmpty else { return result }
        let seconds = rtts.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        let mean = seconds.reduce(0, +) / Double(seconds.count)
        let meanOfSquares = seconds.map { $0 * $0 }.reduce(0, +) / Double(seconds.count)
        let deviation = (Swift.max(0, meanOfSquares - mean * mean)).squareRoot()
        result.min = ISODuration.string(rtts.min()!)
        result.max = ISODuration.string(rtts.max()!)
        result.mean = ISODuration.string(.microseconds(Int64((mean * 1e6).rounded())))
        result.stddev = ISODuration.string(.microseconds(Int64((deviation * 1e6).rounded())))
        return result
    }
}
