import FathomTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real `fathom-receiver` binary (next to `fathom-bench`) run as a child process on a free
/// port with its own PKI, credentials and data directory, so its CPU time and descriptors are its
/// own and can be read from /proc and limited with `prlimit`.
///
/// ```swift
/// let child = try ReceiverChild.start(in: scratch, credentials: "fox:pw\n", flags: ["--header-timeout", "2"])
/// print(child.cpuSeconds() ?? 0); child.stop()
/// ```
final class ReceiverChild: @unchecked Sendable {
    let process: BackgroundProcess
    let port: Int
    let caPath: String

    var pid: Int32 { process.pid }
    var baseURL: String { "https://127.0.0.1:\(port)" }
    var log: String { process.errors }

    private init(process: BackgroundProcess, port: Int, caPath: String) {
        self.process = process
        self.port = port
        self.caPath = caPath
    }

    /// `nofile`: run under `prlimit --nofile=N:N` (prlimit execs the receiver, so the pid is the receiver's).
    static func start(
        in scratch: TempDirectory, name: String, credentials: String, flags: [String], nofile: Int? = nil
    ) throws -> ReceiverChild {
        let dir = scratch.path + "/" + name
        try FileManager.default.createDirectory(atPath: dir + "/pki", withIntermediateDirectories: true)
        let pki = try TestPKI(in: dir + "/pki")
        try credentials.write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("fathom-receiver").path
        guard access(binary, X_OK) == 0 else {
            throw Subprocess.Failure(description: "no receiver binary at \(binary)")
        }
        var argv =
            [
                binary, "--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--credentials", dir + "/credentials",
                "--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey,
            ] + flags
        if let nofile { argv = ["/usr/bin/prlimit", "--nofile=\(nofile):\(nofile)"] + argv }
        let process = try BackgroundProcess(argv, name: name, in: dir)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            let log = process.errors
            if let range = log.range(of: #"listening on https://127\.0\.0\.1:\d+"#, options: .regularExpression),
                let port = Int(log[range].split(separator: ":").last ?? "")
            {
                return ReceiverChild(process: process, port: port, caPath: pki.caCertificate)
            }
            usleep(20_000)
        }
        process.kill()
        throw Subprocess.Failure(description: "receiver did not start: \(process.errors)")
    }

    /// User + system CPU seconds the receiver has used, from /proc/<pid>/stat.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() { process.kill() }
}
