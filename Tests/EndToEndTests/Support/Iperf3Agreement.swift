import FathomAgent
import Foundation

/// Where our side of an interop run disagrees with what iperf3 counted **on its own side** of the
/// same streams: byte counts over the same test, not rates over different intervals.
///
/// iperf3 fills the peer's half of its `-J` sums from the peer's EXCHANGE_RESULTS, so only its own
/// half is an independent measurement: `sum_sent` where iperf3 sent, `sum_received` (with loss and
/// jitter) where it received. Each check returns the disagreements, empty when all agree, so the
/// tests can also show that a deliberately miscounting responder (`FATHOM_TEST_MISCOUNT_BYTES`)
/// is caught.
///
/// ```swift
/// let problems = try Iperf3Agreement.tcp(ours: result, weSent: false, iperf3JSON: client.stdout)
/// #expect(problems.isEmpty, "\(problems)")
/// ```
enum Iperf3Agreement {
    /// The bytes our side moved by its own count: the summary is the sender's view, so when we
    /// received, our count is `receiver-throughput-bits` over the summary's seconds.
    static func ownBytes(_ result: ThroughputResult, weSent: Bool) throws -> Double {
        guard let summary = result.summary?.summary else { throw TestFailure("our result has no summary: \(result)") }
        if weSent { return Double(summary.throughputBytes) }
        guard let bits = summary.receiverThroughputBits else {
            throw TestFailure("our result has no receiver figure: \(summary)")
        }
        return bits * (summary.end - summary.start) / 8
    }

    /// TCP: our bytes against iperf3's own bytes at the other end of the same streams. The sender
    /// may be ahead by what loopback's socket buffers still hold when the test ends, up to
    /// `queued` of the larger count; the receiver may be ahead by `within` at most (each end
    /// closes its count at its own moment), never by a buffer. Both are 10 % by default: a loaded
    /// machine ends unpaced tests with full buffers (seen at 5.3 %). The 25 % miscount still fails.
    /// Paced tests, whose buffers hold little at the end, narrow both (`ThroughputOptionsInteropTests`).
    static func tcp(
        ours: ThroughputResult, weSent: Bool, iperf3JSON: String, within fraction: Double = 0.10,
        queued: Double = 0.10
    ) throws -> [String] {
        let theirs = try Iperf3Tool.byteSums(iperf3JSON)
        let mine = try ownBytes(ours, weSent: weSent)
        let iperf3Own = weSent ? theirs.received : theirs.sent
        let what =
            weSent
            ? "we sent \(mine) B, iperf3 itself received \(iperf3Own) B"
            : "we received \(mine) B, iperf3 itself sent \(iperf3Own) B"
        let (sent, received) = weSent ? (mine, iperf3Own) : (iperf3Own, mine)
        let agree = Iperf3Tool.agree(sent, received, within: sent >= received ? queued : fraction)
        return agree ? [] : ["bytes: " + what]
    }

    /// UDP: our own counts against iperf3's own. Where iperf3 received: our sent bytes less what
    /// iperf3 counted lost against its received bytes, our datagrams against the highest packet
    /// number iperf3 read, and the loss and jitter we report against iperf3's. Where iperf3 sent:
    /// our received bytes and highest packet number against iperf3's sent bytes and datagrams. The
    /// jitter of datagrams we received has no independent figure (iperf3 cannot measure it as
    /// sender): it must be a plain number, and where iperf3 is the client (whose `-J` relays our
    /// results; 3.12's server fills only its own side) the very number we gave iperf3.
    static func udp(ours: ThroughputResult, weSent: Bool, iperf3JSON: String, iperf3IsClient: Bool) throws -> [String] {
        let theirs = try Iperf3UDPSums(json: iperf3JSON)
        guard let summary = ours.summary else { throw TestFailure("our result has no summary: \(ours)") }
        var problems: [String] = []
        if weSent {
            let received = theirs.received
            let sentBytes = try ownBytes(ours, weSent: true)
            let expected = delivered(sentBytes, lost: received.lost, packets: received.packets)
            if !Iperf3Tool.agree(expected, received.bytes) {
                problems.append(
                    "bytes: we sent \(sentBytes) B (\(expected) B after iperf3's loss), iperf3 itself received \(received.bytes) B"
                )
            }
            if !Iperf3Tool.agree(Double(summary.summary.sent ?? 0), received.packets) {
                problems.append(
                    "datagrams: we sent \(summary.summary.sent ?? 0), iperf3 read up to packet \(received.packets)")
            }
            if !lossAgrees(summary.summary.lost, received.lost, packets: received.packets) {
                problems.append(
                    "loss: ours \(summary.summary.lost.map(String.init) ?? "none"), iperf3's own \(received.lost)")
            }
            let jitters = summary.streams.map { $0.jitter ?? -1 }
            if jitters.count != theirs.streamJitterMilliseconds.count
                || zip(jitters, theirs.streamJitterMilliseconds).contains(where: {
                    abs($0 - $1) > max(0.001, 0.05 * $1)
                })
            {
                problems.append("jitter: ours \(jitters) ms, iperf3's own \(theirs.streamJitterMilliseconds) ms")
            }
        } else {
            let sent = theirs.sent
            // A receiver's intervals are its own counts: bytes read and the rise of the highest packet number.
            let receivedBytes = try ownBytes(ours, weSent: false)
            let highest = Double(ours.intervals.reduce(0) { $0 + ($1.summary.sent ?? 0) })
            let lost = Double(summary.summary.lost ?? 0)
            let expected = delivered(sent.bytes, lost: lost, packets: sent.packets)
            if !Iperf3Tool.agree(receivedBytes, expected) {
                problems.append(
                    "bytes: we received \(receivedBytes) B, iperf3 itself sent \(sent.bytes) B (\(expected) B after our loss)"
                )
            }
            if !Iperf3Tool.agree(highest, sent.packets) {
                problems.append(
                    "datagrams: highest packet number we read \(highest), iperf3 itself sent \(sent.packets)")
            }
            let jitter = summary.summary.jitter ?? -1
            let relayed = theirs.received.jitterMilliseconds
            if !(jitter >= 0 && jitter.isFinite)
                || (iperf3IsClient && abs(jitter - relayed) > max(0.001, 0.05 * relayed))
            {
                problems.append("jitter: ours \(jitter) ms, given to iperf3 as \(relayed) ms")
            }
        }
        return problems
    }

    /// Loss counts agree within 5 % of the datagrams. How much was lost is the host's business (a
    /// receiver starved of CPU on a busy machine drops datagrams); both sides must count it alike.
    static func lossAgrees(_ ours: Int?, _ theirs: Double, packets: Double) -> Bool {
        guard let ours else { return false }
        return abs(Double(ours) - theirs) <= 0.05 * packets
    }

    /// The bytes a receiver should have counted of `sentBytes` when `lost` of `packets` datagrams were lost.
    static func delivered(_ sentBytes: Double, lost: Double, packets: Double) -> Double {
        packets > 0 ? sentBytes * (1 - lost / packets) : sentBytes
    }
}
