import Foundation

/// The UDP figures of an iperf3 3.12 `-J` report: `end.sum_sent` (the sender's bytes and
/// datagrams), `end.sum_received` (the receiver's bytes, highest packet number, loss, jitter),
/// and the per-stream jitter of `end.streams[].udp`.
///
/// iperf3 fills each sum from its own counts where it has them and from the peer's results
/// otherwise, so a test compares the side iperf3 itself measured with ours.
///
/// ```swift
/// let sums = try Iperf3UDPSums(json: run.stdout)
/// print(sums.received.bytes, sums.received.lost, sums.streamJitterMilliseconds)
/// ```
struct Iperf3UDPSums {
    struct Sum {
        var bytes: Double
        var bitsPerSecond: Double
        var packets: Double
        var lost: Double
        var jitterMilliseconds: Double
    }

    var sent: Sum
    var received: Sum
    var streamJitterMilliseconds: [Double]

    init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw TestFailure("iperf3 output is not a JSON object: \(json.prefix(300))")
        }
        if let error = object["error"] as? String { throw TestFailure("iperf3 error: \(error)") }
        guard let end = object["end"] as? [String: Any],
            let sent = (end["sum_sent"] as? [String: Any]).flatMap(Self.sum),
            let received = (end["sum_received"] as? [String: Any]).flatMap(Self.sum),
            let streams = end["streams"] as? [[String: Any]]
        else { throw TestFailure("iperf3 output has no UDP end sums: \(json.prefix(300))") }
        self.sent = sent
        self.received = received
        streamJitterMilliseconds = streams.compactMap { ($0["udp"] as? [String: Any])?["jitter_ms"] as? Double }
    }

    private static func sum(_ object: [String: Any]) -> Sum? {
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        guard let bytes = number("bytes"), let bits = number("bits_per_second"), let packets = number("packets") else {
            return nil
        }
        return Sum(
            bytes: bytes, bitsPerSecond: bits, packets: packets, lost: number("lost_packets") ?? 0,
            jitterMilliseconds: number("jitter_ms") ?? 0)
    }
}
