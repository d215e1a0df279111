import FathomTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Prometheus server (Debian `prometheus`) in its own temp directory on a free loopback
/// port, scraping one target over TLS every second.
final class PrometheusServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `target` is `127.0.0.1:PORT` of a receiver whose certificate `caFile` signed.
    init(directory: String, target: String, caFile: String) throws {
        port = try TestPorts.take()
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: fathom-receiver
                scheme: https
                tls_config:
                  ca_file: \(caFile)
                static_configs:
                  - targets: ['\(target)']

            """
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/tsdb",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    /// SIGTERM now; the wait for Prometheus's shutdown (SIGKILL after 10 s) runs on a thread of
    /// its own (``OwnThread``).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        OwnThread.later { [process] in process.endBlocking(grace: .seconds(10)) }
    }
}

/// `promtool check metrics` on a text exposition: nil when it passes, else what promtool said.
func promtoolProblems(_ text: String) async throws -> String? {
    let dir = TempDirectory("fathom-promtool")
    defer { dir.remove() }
    try dir.write("metrics.prom", text)
    let result = try await Shell.run(["/bin/sh", "-c", "promtool check metrics < '\(dir.file("metrics.prom"))'"])
    return result.status == 0 ? nil : "promtool (\(result.status)): \(result.stdout)\(result.stderr)"
}
