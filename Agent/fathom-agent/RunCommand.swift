import FathomAgent
import FathomShared
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-agent run`: the daemon, a `ServiceGroup` of the agent (`AgentService`: SIGHUP reloads the
/// config, SIGTERM/SIGINT stop it, the current send finishes, the spool stays) and the watchdog.
/// Under systemd it reports READY=1, a status line, watchdog keep-alives while no work loop is
/// stuck, and STOPPING=1.
struct RunCommand: AsyncSubcommand {
    static let name = "run"
    static let spec = CommandSpec(
        name: name, abstract: "Sample on a schedule and deliver to the receiver until stopped.",
        options: ConnectionOptions.declarations)

    let connection: ConnectionOptions

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        connection = try ConnectionOptions(parsed)
    }

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-agent")
        let notifier = SystemdNotifier.fromEnvironment()
        let settings = try connection.settings()
        // One liveness table across reloads: the watchdog reads it, each generation of parts reports to it.
        let liveness = Liveness()
        liveness.register("delivery", bound: .seconds(300))
        // TLS runs in a relay per connection: the daemon never maps OpenSSL's 4.7 MB.
        let tls = TLSPlacement.relayThroughThisExecutable()
        let parts = try AgentParts(settings: settings, logger: logger, serving: true, liveness: liveness, tls: tls)
        // Trapped before READY=1 can go out, so an early reload never meets SIGHUP's default action.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let pinger = WatchdogPinger(notifier: notifier, logger: logger) { await Self.healthy(liveness, logger: logger) }
        let connection = connection
        let agent = AgentService(
            hangups: hangups, initial: (settings, parts), loadSettings: { try connection.settings() },
            makeParts: { try AgentParts(settings: $0, logger: logger, serving: true, liveness: liveness, tls: tls) },
            notifier: notifier, logger: logger)
        // Graceful shutdown runs in reverse order: STOPPING=1 and the watchdog, then the daemon.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(
                        service: WatchdogService(pinger: pinger, notifier: notifier),
                        successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.notice("agent stopped; undelivered batches stay in the spool")
    }

    /// Healthy while no work loop is stuck in a step past its bound.
    static func healthy(_ liveness: Liveness, logger: Logger) async -> Bool {
        let stuck = liveness.stuck()
        if !stuck.isEmpty {
            logger.error(
                "work loop stuck; withholding the watchdog keep-alive",
                metadata: [
                    "loops": "\(stuck.map { "\($0.name) for \($0.for)" }.joined(separator: ", "))"
                ])
            return false
        }
        return true
    }
}

/// `fathom-agent once`: sample now, deliver the whole spool now; exit 0 only if all of it was
/// acknowledged (for cron, tests and first-install checks).
struct OnceCommand: AsyncSubcommand {
    static let attempts = DefaultedOption(
        "attempts", default: 3, help: "Attempts per batch before giving up (the spool keeps it).")
    static let noSample = FlagOption("no-sample", help: "Only deliver what is spooled; take no new sample.")

    static let name = "once"
    static let spec = CommandSpec(
        name: name, abstract: "Sample now and deliver the whole spool; exit 0 only when all was acknowledged.",
        options: ConnectionOptions.declarations + [attempts.spec, noSample.spec])

    let connection: ConnectionOptions
    let attempts: Int
    let noSample: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        connection = try ConnectionOptions(parsed)
        attempts = try parsed.value(Self.attempts)
        noSample = parsed.flag(Self.noSample)
    }

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-agent")
        let settings = try connection.settings()
        let parts = try AgentParts(settings: settings, logger: logger)
        if !noSample {
            try await parts.daemon.spoolSysinfo()
            let n = try await parts.daemon.spoolSample()
            logger.info("sample spooled", metadata: ["records": "\(n)"])
            if parts.daemon.interfaceSampler != nil {
                let records = try await parts.daemon.spoolInterfaces()
                logger.info("interface sample spooled", metadata: ["records": "\(records)"])
            }
        }
        let outcome = await parts.daemon.delivery.drain(maxAttempts: max(1, attempts))
        await parts.daemon.writeMetrics()
        try await parts.shutdown()
        StandardStreams.write(
            "delivered \(outcome.delivered) batches, \(outcome.remaining) remain in the spool, \(outcome.quarantined) quarantined\n"
        )
        if outcome.remaining > 0 || outcome.quarantined > 0 {
            throw CommandExit(1)
        }
    }
}
