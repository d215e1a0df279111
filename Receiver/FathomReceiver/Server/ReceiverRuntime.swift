import Dispatch
import FathomShared
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a configured receiver until SIGTERM/SIGINT: serves, reloads credentials on SIGHUP, and on
/// shutdown lets in-flight uploads finish and the writer sync before exiting. Under systemd it
/// reports READY=1 once the listener is bound, feeds the watchdog while the event loops answer,
/// and brackets reloads with RELOADING=1/READY=1 (all no-ops elsewhere).
public struct ReceiverRuntime: Sendable {
    public let settings: ReceiverSettings
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let notifier = SystemdNotifier.fromEnvironment()
        let server = try ReceiverServer(settings: settings, logger: logger)
        logger.notice("storage: \(server.writer.recovery)")
        let listening = StatusLine()
        // Installed before READY=1 can go out, so an early `systemctl reload` never meets SIGHUP's
        // default action (terminate).
        let hangup = Self.onSignal(SIGHUP) { [logger] in
            notifier.reloading(status: "reloading credentials")
            let outcome: String
            do {
                try server.authenticator.reload()
                outcome = "credentials reloaded (\(server.authenticator.userCount) users)"
                logger.notice("credentials reloaded", metadata: ["users": "\(server.authenticator.userCount)"])
            } catch {
                outcome = "credentials reload failed, previous table kept: \(error)"
                logger.error("credentials reload failed; keeping the previous table", metadata: ["error": "\(error)"])
            }
            // The archive's keys file is the same kind of secret table, reloaded on the same signal.
            if let archiveKeys = server.archiveKeys {
                do {
                    try archiveKeys.reload()
                    logger.notice("archive API keys reloaded")
                } catch {
                    logger.error("archive API keys reload failed; keeping the previous keys", metadata: ["error": "\(error)"])
                }
            }
            notifier.ready(status: "\(listening.value); \(outcome)")
        }
        // Hummingbird's own handler drains on SIGTERM/SIGINT; this one only tells systemd it began.
        let stopping = [SIGTERM, SIGINT].map { Self.onSignal($0, ignoring: false) { notifier.stopping() } }
        let scheme = settings.insecureHTTP ? "http" : "https"
        let app = try server.application { [logger, settings] port in
            let line = "listening on \(scheme)://\(settings.host):\(port)"
            listening.value = line
            logger.notice("\(line)", metadata: ["data": "\(settings.dataDirectory)"])
            notifier.ready(status: line)
        }
        let watchdog = WatchdogPinger(notifier: notifier, logger: logger) { await Self.eventLoopsAnswer() }
        let pinging = Task { await watchdog?.run() }
        let saver = FleetSaver(registry: server.fleet, store: server.fleetStore, logger: logger)
        let saving = Task { await saver.run() }
        defer {
            pinging.cancel()
            hangup.cancel()
            stopping.forEach { $0.cancel() }
            server.writer.shutdown()
        }
        do {
            try await app.runService()
        } catch {
            saving.cancel()
            await saver.saveNow()
            throw error
        }
        saving.cancel()
        await saver.saveNow()
    }

    /// True once every event loop of the group Hummingbird serves on has run a no-op task: a loop
    /// wedged in a handler cannot, so the watchdog then goes unfed.
    static func eventLoopsAnswer() async -> Bool {
        for loop in NIOSingletons.posixEventLoopGroup.makeIterator() {
            guard (try? await loop.submit {}.get()) != nil else { return false }
        }
        return true
    }

    /// A signal handler on a dispatch source. With `ignoring` the signal's default action is
    /// turned off; without it, whoever else handles the signal (ServiceLifecycle) has done so.
    static func onSignal(
        _ signo: Int32, ignoring: Bool = true, _ body: @escaping @Sendable () -> Void
    ) -> any DispatchSourceSignal {
        if ignoring { signal(signo, SIG_IGN) }
        let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
        source.setEventHandler(handler: body)
        source.resume()
        return source
    }
}

/// The "listening on …" line, set once the port is bound, repeated in the status after a reload.
private final class StatusLine: Sendable {
    private let line = Mutex("starting")
    var value: String {
        get { line.withLock { $0 } }
        set { line.withLock { $0 = newValue } }
    }
}
