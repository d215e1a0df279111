/// The hop addresses `fathom-agent trace` printed, one per TTL in order, to compare with
/// tracepath's (`TraceReferenceTools.parseTracepath`).
enum TraceHopList {
    /// `fathom-agent trace` lines look like ` 2  10.10.2.2  0.019 ms  pmtu 1500`.
    static func agent(_ output: String) -> [String] {
        hops(output) { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1, let number = Int(fields[0]) else { return nil }
            return (number, String(fields[1]))
        }
    }

    /// The first address printed for each TTL, in TTL order.
    private static func hops(_ output: String, _ parse: (Substring) -> (Int, String)?) -> [String] {
        var seen: [Int: String] = [:]
        for line in output.split(separator: "\n") {
            if let (ttl, address) = parse(line), seen[ttl] == nil { seen[ttl] = address }
        }
        return seen.keys.sorted().map { seen[$0]! }
    }
}
