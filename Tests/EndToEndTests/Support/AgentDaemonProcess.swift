import FathomTestSupport
import Foundation

/// A real `fathom-agent run --config FILE` process against a receiver fixture, its stderr in a
/// log file: for the daemon's own claims (reload on SIGHUP, sysinfo on its interval, the send
/// window). The config is written by the test; `config(...)` builds the usual one.
///
/// ```swift
/// let daemon = try AgentDaemonProcess(fixture: f, config: AgentDaemonProcess.config(f, cluster: "fox"))
/// defer { daemon.stop() }
/// daemon.signal(SIGHUP)
/// ```
final class AgentDaemonProcess: @unchecked Sendable {
    let process = Process()
    let configPath: String
    let logPath: String

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts the daemon with `environment` added to this process's own. `wrapper`: a command line
    /// that ends by exec'ing its arguments, put before the agent's path (signals reach the agent).
    init(
        fixture f: ReceiverFixture, config: String, environment: [String: String] = [:], wrapper: [String] = []
    ) throws {
        configPath = f.dir.file("agent.toml")
        logPath = f.dir.file("agent-daemon.log")
        try f.dir.write("agent.toml", config)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let agent = Shell.binDirectory + "/fathom-agent"
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? agent)
        process.arguments =
            (wrapper.isEmpty ? [] : Array(wrapper.dropFirst()) + [agent]) + ["run", "--config", configPath]
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
    }

    /// An agent config for `cluster` (whose password the fixture's credentials hold in
    /// `<cluster>-secret`), sampling every `interval` seconds, sending within `sendWindow`.
    static func config(
        _ f: ReceiverFixture, cluster: String, interval: Int = 1, sendWindow: Double = 0, sysinfoInterval: Int? = nil
    ) throws -> String {
        try f.dir.write("\(cluster)-password", "\(cluster)-secret\n")
        return """
            [receiver]
            url = "\(f.receiver.baseURL)"
            cluster = "\(cluster)"
            password_file = "\(f.dir.file("\(cluster)-password"))"
            ca_file = "\(f.pki.caCertificate)"
            send_window = \(sendWindow)

            [spool]
            dir = "\(f.dir.file("spool"))"

            [sample]
            interval = \(interval)
            """ + (sysinfoInterval.map { "\n\n[sysinfo]\ninterval = \($0)\n" } ?? "\n")
    }

    func rewriteConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// SIGTERM and wait (with `Task.sleep`: no cooperative thread is held; SIGKILL after a
    /// minute); the exit status.
    @discardableResult
    func stop() async -> Int32 {
        await process.end(grace: .seconds(60))
        return process.terminationStatus
    }

    /// The cleanup of a `defer`: SIGTERM now; the wait (SIGKILL after 10 s) on a thread of its own.
    func stopLater() {
        guard process.isRunning else { return }
        process.terminate()
        OwnThread.later { [process] in process.endBlocking(grace: .seconds(10)) }
    }

    /// Polls `condition` every 100 ms (with `Task.sleep`) for at most `timeout`; whether it held.
    static func eventually(within timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }
}
