import ArgumentParser
import Dispatch
import FathomAgent
import FathomShared
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-agent run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Sample on a schedule and deliver to the receiver until stopped.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-agent")
        let settings = try connection.settings()
        let parts = try AgentParts(settings: settings, logger: logger)
        logger.notice("agent running", metadata: [
            "receiver": "\(settings.receiverURL ?? "")", "cluster": "\(settings.cluster ?? "")",
            "interval": "\(settings.intervalSeconds)s", "send_window": "\(settings.sendWindowSeconds)s",
        ])
        let task = Task { await parts.daemon.run() }
        var sources: [any DispatchSourceSignal] = []
        for signo in [SIGTERM, SIGINT] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            sources.append(source)
        }
        await task.value
        sources.forEach { $0.cancel() }
        try await parts.client.shutdown()
        logger.notice("agent stopped; undelivered batches stay in the spool")
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
        try await parts.client.shutdown()
        print("delivered \(outcome.delivered) batches, \(outcome.remaining) remain in the spool, \(outcome.quarantined) quarantined")
        if outcome.remaining > 0 || outcome.quarantined > 0 {
            throw ExitCode(1)
        }
    }
}
