import FathomAgent
import Foundation

/// One implementation of the iperf3 protocol as the bench runs it: its server and client command
/// lines and where the client's JSON gives the **receiver's** rate, so both tools are judged on
/// the same figure (bytes that arrived, per second of test).
struct ThroughputTool {
    var name: String
    var serverArguments: (_ port: Int) -> [String]
    var clientArguments: (_ host: String, _ port: Int, _ seconds: Int) -> [String]
    var receiverBitsPerSecond: (_ clientJSON: String) throws -> Double

    /// `fathom-agent responder --once` and `fathom-agent throughput --json`; the figure is the
    /// summary's `receiver-throughput-bits` (the responder's byte count over the test time).
    static func agent(_ binary: String) -> ThroughputTool {
        ThroughputTool(
            name: "fathom-agent",
            serverArguments: { [binary, "responder", "--port", "\($0)", "--once"] },
            clientArguments: { [binary, "throughput", $0, "--port", "\($1)", "--duration", "\($2)", "--json"] },
            receiverBitsPerSecond: { json in
                let result = try ThroughputResult.decode(json: json)
                guard result.succeeded, let bits = result.summary?.summary.receiverThroughputBits else {
                    throw Subprocess.Failure(description: "fathom-agent throughput failed: \(result.error ?? json)")
                }
                return bits
            })
    }

    /// `iperf3 -s -1` and `iperf3 -c --json`; the figure is `end.sum_received.bits_per_second`.
    static func iperf3(_ binary: String) -> ThroughputTool {
        ThroughputTool(
            name: "iperf3",
            serverArguments: { [binary, "-s", "-1", "-p", "\($0)"] },
            clientArguments: { [binary, "-c", $0, "-p", "\($1)", "-t", "\($2)", "--json"] },
            receiverBitsPerSecond: { json in
                let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
                let end = root?["end"] as? [String: Any]
                guard let bits = (end?["sum_received"] as? [String: Any])?["bits_per_second"] as? Double else {
                    throw Subprocess.Failure(
                        description: "iperf3 -c gave no end.sum_received: \(root?["error"] ?? json)")
                }
                return bits
            })
    }
}
