/// The hop addresses a trace printed, one per TTL in order ("*" for a TTL nobody answered), read
/// from `tracepath -n` and from `fathom-agent trace` text so the two runs can be compared.
enum TraceHopList {
    /// `tracepath -n` lines look like ` 2:  10.10.2.2   0.032ms`; TTL 1 can appear twice (its
    /// first probe also finds the local PMTU) and `[LOCALHOST]` is not a hop.
    static func tracepath(_ output: String) -> [String] {
        hops(output) { line in
            let fields = line.split(separator: " ")
            guard let first = fields.first, first.hasSuffix(":"), fields.count > 1 else { return nil }
            let ttl = first.dropLast().filter { $0 != "?" }
            guard let number = Int(ttl), fields[1] != "[LOCALHOST]" else { return nil }
            return (number, fields[1] == "no" ? "*" : String(fields[1]))
        }
    }

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
