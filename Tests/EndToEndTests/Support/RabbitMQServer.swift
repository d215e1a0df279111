import FathomTestSupport
import Foundation
import Synchronization

/// A private RabbitMQ broker (Debian's `rabbitmq-server`) for one test: its own node name, AMQP,
/// distribution and epmd ports, Erlang cookie (HOME) and data directory, so it neither meets a
/// system broker nor another test's. `stopApp`/`startApp` take the broker down and up with its
/// durable queues kept; `stop()` halts the node, its epmd, and removes the directory.
final class RabbitMQServer: @unchecked Sendable {
    static let binaries = "/usr/lib/rabbitmq/bin"
    let dir: TempDirectory
    let port: Int
    /// The TLS listener's port, when started with a PKI.
    let tlsPort: Int?
    let node: String
    let environment: [String: String]
    private let process = Process()

    /// The broker running, or nil after `Prerequisite.unavailable` when rabbitmq-server is not
    /// installed. With `tls`, it also listens for AMQPS with the PKI's server certificate.
    static func start(test: String, tls: TestPKI? = nil) async throws -> RabbitMQServer? {
        guard FileManager.default.isExecutableFile(atPath: binaries + "/rabbitmq-server") else {
            try Prerequisite.unavailable(
                "rabbitmq-server is not installed (apt-get install rabbitmq-server)", test: test)
            return nil
        }
        // One broker at a time, as before stops ran on threads of their own: one still halting
        // is waited for (with `Task.sleep`), not run beside this one's start.
        while stopping.withLock({ $0 }) > 0 { try await Task.sleep(for: .milliseconds(50)) }
        let server = try RabbitMQServer(tls: tls)
        do {
            try await server.awaitStartup()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    private init(tls: TestPKI?) throws {
        dir = TempDirectory("fathom-rabbitmq")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        port = try TestPorts.take()
        node = "fathom\(UInt32.random(in: 1...UInt32.max))@localhost"
        try dir.write("enabled_plugins", "[].\n")
        var conf = "listeners.tcp.default = \(port)\n"
        if let tls {
            let tlsPort = try TestPorts.take()
            conf += """
                listeners.ssl.default = \(tlsPort)
                ssl_options.cacertfile = \(tls.caCertificate)
                ssl_options.certfile = \(tls.serverCertificate)
                ssl_options.keyfile = \(tls.serverKey)
                ssl_options.verify = verify_none
                ssl_options.fail_if_no_peer_cert = false

                """
            self.tlsPort = tlsPort
        } else {
            tlsPort = nil
        }
        try dir.write("rabbitmq.conf", conf)
        try dir.write("env", "")
        environment = [
            "HOME": dir.path, "RABBITMQ_NODENAME": node, "RABBITMQ_NODE_PORT": "\(port)",
            "RABBITMQ_DIST_PORT": "\(try TestPorts.take())", "ERL_EPMD_PORT": "\(try TestPorts.take())",
            "RABBITMQ_MNESIA_BASE": dir.file("mnesia"), "RABBITMQ_LOG_BASE": dir.file("log"),
            "RABBITMQ_PID_FILE": dir.file("pid"), "RABBITMQ_ENABLED_PLUGINS_FILE": dir.file("enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": dir.file("rabbitmq"), "RABBITMQ_CONF_ENV_FILE": dir.file("env"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": dir.file("advanced.config"),
        ]
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/rabbitmq-server")
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, mine in mine }
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        _ = FileManager.default.createFile(atPath: dir.file("server.log"), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("server.log")))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// `rabbitmqctl ARGS` against this node.
    func ctl(_ arguments: [String], timeout: TimeInterval = 60) async throws -> Shell.Result {
        try await Shell.run(
            [Self.binaries + "/rabbitmqctl", "-n", node] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, mine in mine },
            timeout: timeout)
    }

    private func awaitStartup() async throws {
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            // rabbitmqctl boots an Erlang VM of its own, which a loaded 2-core machine has taken
            // over 10 s to do: a call that runs out of time is one more try, not a failure.
            do {
                if try await ctl(["await_startup", "-t", "20"], timeout: 30).status == 0 { return }
            } catch  where Date() < deadline && process.isRunning {}
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let log = (try? String(contentsOfFile: dir.file("server.log"), encoding: .utf8)) ?? ""
        throw TestFailure("rabbitmq-server did not start: \(log.suffix(2000))")
    }

    /// Stops the broker application (every connection is closed; durable queues stay).
    func stopApp() async throws {
        let out = try await ctl(["stop_app"])
        guard out.status == 0 else { throw TestFailure("rabbitmqctl stop_app: \(out.stderr)") }
    }

    func startApp() async throws {
        let out = try await ctl(["start_app"])
        guard out.status == 0 else { throw TestFailure("rabbitmqctl start_app: \(out.stderr)") }
    }

    /// Halts the node and its epmd and removes the directory: `rabbitmqctl stop` takes seconds,
    /// so that runs on a thread of its own (``OwnThread/later(_:)``), and the process's next
    /// broker starts when it is done.
    func stop() {
        Self.stopping.withLock { $0 += 1 }
        OwnThread.later { [self] in
            halt()
            Self.stopping.withLock { $0 -= 1 }
        }
    }

    /// Brokers whose `stop()` is still running.
    private static let stopping = Mutex(0)

    private func halt() {
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, mine in mine }
        for command in [[Self.binaries + "/rabbitmqctl", "-n", node, "stop"], ["epmd", "-kill"]] {
            let halt = Process()
            halt.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            halt.arguments = command
            halt.environment = env
            halt.standardOutput = FileHandle.nullDevice
            halt.standardError = FileHandle.nullDevice
            try? halt.run()
            halt.waitUntilExit()
        }
        // The wrapper script can outlive its Erlang VM (waiting in a signal trap): end it for good.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        dir.remove()
    }
}
