import FathomAgent
import Foundation

/// The real `iperf3` (Debian package) for interop tests: where it is, waiting for a
/// listener without connecting to it, and reading its `-J` output.
enum Iperf3Tool {
    static let path = ["/usr/bin/iperf3", "/bin/iperf3", "/usr/local/bin/iperf3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Waits until something listens on `port`, read from /proc/net/tcp{,6}: a probing connect
    /// would itself count as the one test of `iperf3 -s -1` or `responder --once`. Sleeps with
    /// `Task.sleep`, never `usleep`: a cooperative thread blocked here (two interop suites at once
    /// on a 2-core machine) kept the `async let` that starts the server from ever running. A
    /// readiness wait, not a timing bound: 30 s, as long as the server's own run may take (10 s
    /// ran out once in a fresh-clone CI, with the tests beside it building a virtualenv).
    static func awaitListener(port: Int, timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if isListening(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("nothing listens on port \(port)")
    }

    /// Whether /proc/net/tcp{,6} shows a socket in LISTEN on `port`.
    static func isListening(port: Int) -> Bool {
        let hex = ":" + String(format: "%04X", port) + " "
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            // Fields: sl local_address rem_address st …; st 0A is LISTEN.
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 3, (fields[1] + " ").hasSuffix(hex), fields[3] == "0A" { return true }
            }
        }
        return false
    }

    /// `end.sum_sent` and `end.sum_received` bits per second from iperf3's `-J` output.
    static func sums(_ json: String) throws -> (sent: Double, received: Double) {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw TestFailure("iperf3 output is not a JSON object: \(json.prefix(300))")
        }
        if let error = object["error"] as? String { throw TestFailure("iperf3 error: \(error)") }
        guard let end = object["end"] as? [String: Any],
            let sent = (end["sum_sent"] as? [String: Any])?["bits_per_second"] as? Double,
            let received = (end["sum_received"] as? [String: Any])?["bits_per_second"] as? Double
        else { throw TestFailure("iperf3 output has no end sums: \(json.prefix(300))") }
        return (sent, received)
    }

    /// `end.sum_sent` and `end.sum_received` bytes from iperf3's `-J` output. Only the side iperf3
    /// itself moved is its own count; the other is the peer's EXCHANGE_RESULTS relayed.
    static func byteSums(_ json: String) throws -> (sent: Double, received: Double) {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw TestFailure("iperf3 output is not a JSON object: \(json.prefix(300))")
        }
        if let error = object["error"] as? String { throw TestFailure("iperf3 error: \(error)") }
        guard let end = object["end"] as? [String: Any],
            let sent = ((end["sum_sent"] as? [String: Any])?["bytes"] as? NSNumber)?.doubleValue,
            let received = ((end["sum_received"] as? [String: Any])?["bytes"] as? NSNumber)?.doubleValue
        else { throw TestFailure("iperf3 output has no end byte sums: \(json.prefix(300))") }
        return (sent, received)
    }

    /// `a` and `b` agree within `fraction` of the larger.
    static func agree(_ a: Double, _ b: Double, within fraction: Double = 0.05) -> Bool {
        abs(a - b) <= fraction * max(a, b) && a > 0 && b > 0
    }

    /// `Shell.run` at nice 19: loopback transfers fill every core, and the tests compare byte
    /// counts, not speed, so the timing-sensitive tests running beside them keep their CPU.
    /// Under `timeout(1)`, so a server whose client never came (`iperf3 -s -1`) exits 124 at the
    /// deadline and the caller sees its status; `Shell.run`'s own deadline, later, is the backstop.
    static func run(_ arguments: [String], timeout: TimeInterval = 30) async throws -> Shell.Result {
        let limited =
            ["/usr/bin/timeout", "-k", "5", "\(Int(timeout.rounded(.up)))", "/usr/bin/nice", "-n", "19"] + arguments
        return try await Shell.run(limited, timeout: timeout + 10)
    }
}
