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
        port = try freeLoopbackPort()
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

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// A port nothing listens on right now (the kernel's pick for an ephemeral bind, released again).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// `promtool check metrics` on a text exposition: nil when it passes, else what promtool said.
func promtoolProblems(_ text: String) async throws -> String? {
    let dir = TempDirectory("fathom-promtool")
    defer { dir.remove() }
    try dir.write("metrics.prom", text)
    let result = try await Shell.run(["/bin/sh", "-c", "promtool check metrics < '\(dir.file("metrics.prom"))'"])
    return result.status == 0 ? nil : "promtool (\(result.status)): \(result.stdout)\(result.stderr)"
}
