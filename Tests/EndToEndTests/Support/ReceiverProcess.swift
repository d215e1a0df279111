import FathomTestSupport
import Foundation

/// A real `fathom-receiver` process on 127.0.0.1 with TLS, its own data directory and
/// credentials file; the port comes from its "listening on" log line.
final class ReceiverProcess: @unchecked Sendable {
    let process = Process()
    let dataDirectory: String
    let credentialsPath: String
    private(set) var port: Int = 0
    private let logLock = NSLock()
    private var logText = ""

    var baseURL: String { "https://127.0.0.1:\(port)" }
    var log: String { logLock.withLock { logText } }

    /// Starts the receiver (with `environment` added to this process's own) and waits (at most
    /// 30 s, with `Task.sleep`: no cooperative thread is held meanwhile) for its "listening on" line.
    /// `wrapper`: a command line that ends by exec'ing its arguments (e.g. `unshare -m sh -c …`),
    /// put before the receiver's path; the wrapper must exec, so signals reach the receiver.
    init(
        pki: TestPKI, dataDirectory: String, credentialsPath: String, port requestedPort: Int = 0, extra: [String] = [],
        environment: [String: String] = [:], wrapper: [String] = []
    ) async throws {
        self.dataDirectory = dataDirectory
        self.credentialsPath = credentialsPath
        let receiver = Shell.binDirectory + "/fathom-receiver"
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? receiver)
        process.arguments =
            (wrapper.isEmpty ? [] : Array(wrapper.dropFirst()) + [receiver]) + [
                "--listen", "127.0.0.1:\(requestedPort)", "--data-dir", dataDirectory, "--credentials", credentialsPath,
                "--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey,
            ] + extra
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.logLock.withLock { self.logText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let range = log.range(of: #"listening on https://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                self.port = Int(log[range].split(separator: ":").last!)!
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw TestFailure("receiver did not start: \(log)")
    }

    /// The last word on cleanup: a receiver still running when its test lets go of it (a test
    /// that threw before its `stop()`, a helper's process no `defer` reached) is killed, not left
    /// serving after the suite.
    deinit {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// SIGTERM, then SIGKILL if the receiver has not exited after `grace`: a receiver whose
    /// graceful shutdown hangs must not hang the test with it. Waits with `Task.sleep`: no
    /// cooperative thread is held meanwhile.
    func stop(grace: Duration = .seconds(20)) async {
        guard process.isRunning else { return }
        if !(await process.end(grace: grace)) { reportKilled(after: grace) }
    }

    /// The cleanup of a `defer`, which cannot await: SIGTERM now, and on a thread of its own
    /// (``OwnThread/later(_:)``) the wait, SIGKILL after `grace`, then `directory` removed (again:
    /// whatever a dying receiver wrote after an earlier removal goes too).
    func stopLater(grace: Duration = .seconds(3), thenRemove directory: TempDirectory? = nil) {
        if process.isRunning { process.terminate() }
        OwnThread.later { [self] in
            if !process.endBlocking(grace: grace) { reportKilled(after: grace) }
            directory?.remove()
        }
    }

    private func reportKilled(after grace: Duration) {
        FileHandle.standardError.write(Data("receiver ignored SIGTERM for \(grace); killed it\n".utf8))
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
