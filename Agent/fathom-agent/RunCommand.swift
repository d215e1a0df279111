import ArgumentParser
import Dispatch
import FathomAgent
import FathomShared
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-agent run`: the daemon. SIGTERM/SIGINT stop it (the current send finishes, the spool
/// stays); SIGHUP re-reads the config file and restarts sampling and delivery with it, keeping the
/// old settings when the new ones do not load. Under systemd it reports READY=1, a status line,
/// watchdog keep-alives while its event loops answer, and STOPPING=1.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Sample on a schedule and deliver to the receiver until stopped.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-agent")
        let notifier = SystemdNotifier.fromEnvironment()
        var settings = try connection.settings()
        var parts = try AgentParts(settings: settings, logger: logger, serving: true)
        // Trapped before READY=1 can go out, so an early reload never meets SIGHUP's default action.
        let (signals, sources) = Self.trap([SIGTERM, SIGINT, SIGHUP])
        var nextSignal = signals.makeAsyncIterator()
        let watchdog = WatchdogPinger(notifier: notifier, logger: logger) { await Self.eventLoopsAnswer() }
        let pinging = Task { await watchdog?.run() }
        defer {
            pinging.cancel()
            sources.forEach { $0.cancel() }
        }
        while true {
            logger.notice("agent running", metadata: [
                "receiver": "\(settings.receiverURL ?? "")", "cluster": "\(settings.cluster ?? "")",
                "interval": "\(settings.intervalSeconds)s", "send_window": "\(settings.sendWindowSeconds)s",
            ])
            let daemon = Task { [parts] in await parts.daemon.run() }
            let status = Self.statusLine(settings)
            notifier.ready(status: status)
            // Wait for a stop signal, or a SIGHUP whose config loads; a broken config keeps this run going.
            var reloaded: AgentSettings?
            while reloaded == nil, let signo = await nextSignal.next(), signo == SIGHUP {
                notifier.reloading(status: "reloading configuration")
                do {
                    reloaded = try connection.settings()
                } catch {
                    logger.error("config reload failed; keeping the running settings", metadata: ["error": "\(error)"])
                    notifier.ready(status: "\(status); reload failed: \(error)")
                }
            }
            if reloaded == nil { notifier.stopping() }
            daemon.cancel()
            await daemon.value
            try await parts.shutdown()
            guard let next = reloaded else { break }
            do {
                parts = try AgentParts(settings: next, logger: logger, serving: true)
                settings = next
                logger.notice("configuration reloaded")
            } catch {
                logger.error("reloaded config cannot be used; keeping the previous one", metadata: ["error": "\(error)"])
                parts = try AgentParts(settings: settings, logger: logger, serving: true)
            }
        }
        logger.notice("agent stopped; undelivered batches stay in the spool")
    }

    /// What `systemctl status` shows while the agent runs.
    static func statusLine(_ settings: AgentSettings) -> String {
        "sampling every \(settings.intervalSeconds)s for \(settings.cluster ?? "?"), delivering to \(settings.receiverURL ?? "?")"
    }

    /// The signals as a stream; the dispatch sources must stay alive (and be cancelled at the end).
    static func trap(_ signals: [Int32]) -> (AsyncStream<Int32>, [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = signals.map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { continuation.yield(signo) }
            source.resume()
            return source
        }
        return (stream, sources)
    }

    /// True once every event loop of the HTTP client's group has run a no-op task.
    static func eventLoopsAnswer() async -> Bool {
        for loop in NIOSingletons.posixEventLoopGroup.makeIterator() {
            guard (try? await loop.submit {}.get()) != nil else { return false }
        }
        return true
    }
}

/// `fathom-agent once`: sample now, deliver the whole spool now; exit 0 only if all of it was
/// acknowledged (for cron, tests and first-install checks).
struct OnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once", abstract: "Sample now and deliver the whole spool; exit 0 only when all was acknowledged.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Attempts per batch before giving up (the spool keeps it).") var attempts = 3
    @Flag(help: "Only deliver what is spooled; take no new sample.") var noSample = false

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-agent")
        let settings = try connection.settings()
        let parts = try AgentParts(settings: settings, logger: logger)
        if !noSample {
            try await parts.daemon.spoolSysinfo()
            let n = try await parts.daemon.spoolSample()
            logger.info("sample spooled", metadata: ["records": "\(n)"])
        }
        let outcome = await parts.daemon.delivery.drain(maxAttempts: max(1, attempts))
        parts.daemon.writeMetrics()
        try await parts.shutdown()
        print("delivered \(outcome.delivered) batches, \(outcome.remaining) remain in the spool, \(outcome.quarantined) quarantined")
        if outcome.remaining > 0 || outcome.quarantined > 0 {
            throw ExitCode(1)
        }
    }
}
