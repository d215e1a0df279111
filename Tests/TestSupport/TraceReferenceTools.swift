import Foundation

/// Runs `tracepath -n` and `traceroute -U -n` / `-I -n` (when installed) and reads their hop addresses,
/// so the agent's trace can be compared with the tools pScheduler wraps (tests and `fathom-bench network`).
public enum TraceReferenceTools {
    public static let tracepath = ["/usr/bin/tracepath", "/bin/tracepath", "/usr/sbin/tracepath"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    public static let traceroute = ["/usr/sbin/traceroute", "/usr/bin/traceroute"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// tracepath's hops (first address per TTL, "[LOCALHOST]" and "no reply" left out) and its
    /// final `Resume: pmtu N`.
    public static func parseTracepath(_ output: String) -> (hops: [String], pmtu: Int?) {
        var byTTL: [Int: String] = [:]
        var pmtu: Int?
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Resume:", let index = fields.firstIndex(of: "pmtu"), index + 1 < fields.count {
                pmtu = Int(fields[index + 1])
            }
            guard fields.count >= 2, fields[0].hasSuffix(":"),
                let ttl = Int(fields[0].dropLast().filter(\.isNumber)), !fields[0].contains("?")
            else { continue }
            let address = String(fields[1])
            if address.first?.isHexDigit == true || address.contains(":"), address != "no", byTTL[ttl] == nil {
                byTTL[ttl] = address
            }
        }
        return (byTTL.keys.sorted().map { byTTL[$0]! }, pmtu)
    }

    /// `traceroute -U|-I -n -q 1` hops: the address on each numbered line ("*" for a silent TTL).
    public static func parseTraceroute(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, Int(fields[0]) != nil else { return nil }
            return String(fields[1])
        }
    }
}
