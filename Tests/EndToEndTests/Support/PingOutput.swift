import Foundation

/// What iputils `ping -n` printed: reply lines (seq, bytes, ttl, ms), error lines (seq, from,
/// text) and the totals, parsed with pScheduler's `parse_ping` patterns.
struct PingOutput {
    struct Reply: Equatable { var seq: Int, bytes: Int, from: String, ttl: Int, ms: Double }
    struct ErrorLine: Equatable { var seq: Int, from: String, text: String }

    var replies: [Reply] = []
    var errors: [ErrorLine] = []
    var transmitted: Int?
    var received: Int?
    /// `+N duplicates` of the totals line (0 when ping printed none).
    var duplicates = 0
    /// Percent, as ping prints it.
    var lossPercent: Double?

    init(_ text: String) {
        let reply = try! NSRegularExpression(
            pattern: #"^(\d+) bytes\s+from (.*):\s+icmp_[rs]eq=(\d+)\s+ttl=(\d+)\s+time=([\d.]+) ms$"#)
        let error = try! NSRegularExpression(pattern: #"^From\s+(\S+)\s+icmp_seq=(\d+)\s+(.*)$"#)
        let stats = try! NSRegularExpression(
            pattern: #"^(\d+) packets transmitted, (\d+) received,(?: \+(\d+) duplicates,)?.* ([\d.]+)% packet loss"#)
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let range = NSRange(line.startIndex..., in: line)
            func group(_ match: NSTextCheckingResult, _ index: Int) -> String {
                String(line[Range(match.range(at: index), in: line)!])
            }
            if let m = reply.firstMatch(in: line, range: range) {
                replies.append(
                    Reply(
                        seq: Int(group(m, 3))!, bytes: Int(group(m, 1))!, from: group(m, 2), ttl: Int(group(m, 4))!,
                        ms: Double(group(m, 5))!))
            } else if let m = error.firstMatch(in: line, range: range) {
                errors.append(ErrorLine(seq: Int(group(m, 2))!, from: group(m, 1), text: group(m, 3)))
            } else if let m = stats.firstMatch(in: line, range: range) {
                transmitted = Int(group(m, 1))
                received = Int(group(m, 2))
                duplicates = m.range(at: 3).location == NSNotFound ? 0 : Int(group(m, 3))!
                lossPercent = Double(group(m, 4))
            }
        }
    }
}
