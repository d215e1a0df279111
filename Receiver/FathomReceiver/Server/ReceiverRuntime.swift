import FathomShared
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a configured receiver until SIGTERM/SIGINT: serves, reloads credentials on SIGHUP, and on
/// shutdown lets in-flight uploads finish and the writer sync before exiting. Under systemd it
/// reports READY=1 once the listener is bound, feeds the watchdog while the event loops answer and
/// the storage writer is not stuck in a group commit,
/// and brackets reloads with RELOADING=1/READY=1 (all no-ops elsewhere).
public struct ReceiverRuntime: Sendable {
    public let settings: ReceiverSettings
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        MallocPolicy.apply()
        let notifier = SystemdNotifier.fromEnvironment()
        // The PostgreSQL store is opened (and its schema migrated) before anything listens.
        let store: (any SampleStore)? =
            if let storeSettings = settings.store {
                try await PostgresSampleStore.open(
                    settings: storeSettings, sampleIndex: settings.sampleIndex, logger: logger)
            } else {
                nil
            }
        // So is the archive in the same database: every receiver on it serves the same archive.
        let archive: PostgresArchiveStore?
        do {
            archive =
                if let storeSettings = settings.store, settings.archive != nil {
                    try await PostgresArchiveStore.open(settings: storeSettings, logger: logger)
                } else {
                    nil
                }
        } catch {
            await store?.close()
            throw error
        }
        let server: ReceiverServer
        do {
            server = try ReceiverServer(settings: settings, logger: logger, store: store, archiveStore: archive)
        } catch {
            await archive?.close()
            await store?.close()
            throw error
        }
        logger.notice("storage: \(server.store.startupSummary)")
        let listening = StatusLine()
        // Trapped before READY=1 can go out (see ReloadService).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let scheme = settings.insecureHTTP ? "http" : "https"
        let app = try server.application { [logger, settings] port in
            let line = "listening on \(scheme)://\(settings.host):\(port)"
            listening.value = line
            logger.notice("\(line)", metadata: ["data": "\(settings.dataDirectory)"])
            notifier.ready(status: line)
        }
        let pinger = WatchdogPinger(notifier: notifier, logger: logger) { [logger] in
            let stuck = server.writer?.liveness.stuck() ?? []
            guard stuck.isEmpty else {
                logger.error(
                    "storage writer stuck; withholding the watchdog keep-alive",
                    metadata: [
                        "for": "\(stuck[0].for)"
                    ])
                return false
            }
            return await Self.eventLoopsAnswer()
        }
        let forwarders = try await Self.forwarders(settings: settings, metrics: server.metrics, logger: logger)
        // Graceful shutdown (SIGTERM, SIGINT) runs in reverse order: the forwarders stop between
        // batches, STOPPING=1 and the watchdog, then reloads, then the HTTP server drains in-flight
        // uploads.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: app),
                .init(
                    service: ReloadService(
                        hangups: hangups, server: server, notifier: notifier, status: listening,
                        logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup),
                .init(
                    service: WatchdogService(pinger: pinger, notifier: notifier),
                    successTerminationBehavior: .gracefullyShutdownGroup),
            ] + forwarders.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A shutdown that hangs (a store connection that never answers) is cancelled after 30 s and
        // the process ends 10 s later whatever is stuck: a stop always stops.
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        configuration.maximumCancellationDuration = .seconds(10)
        let group = ServiceGroup(configuration: configuration)
        // Memory large or malformed uploads leave in glibc's arenas goes back to the kernel.
        let trimming = Task { await MallocPolicy.trimPeriodically() }
        // Every 5 s (and at the end) the fleet registry goes to <data>/.fathom/fleet.sqlite.
        let saver = FleetSaver(registry: server.fleet, store: server.fleetStore, logger: logger)
        let saving = Task { await saver.run() }
        defer { trimming.cancel() }
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        saving.cancel()
        await saver.saveNow()
        await server.authenticator.hashPool.shutdown()
        // The store finishes what is queued (and syncs or commits it) before the process exits.
        await server.store.close()
        await archive?.close()
        if let failure { throw failure }
    }

    /// One forwarder per `[[forward]]` destination and stream, with each stream's log set up to
    /// match (triggers and cursors; a stream no destination wants: logging off).
    static func forwarders(settings: ReceiverSettings, metrics: ReceiverMetrics, logger: Logger) async throws
        -> [Forwarder]
    {
        var sources: [(ForwardSettings.Stream, any ForwardSource)] = []
        if let path = settings.archive?.databasePath {
            let log = try ArchiveForwardLog(path: path)
            try await log.configure(
                destinations: settings.forwards.filter { $0.streams.contains(.archive) }.map(\.name))
            sources.append((.archive, log))
        }
        if settings.sampleIndex {
            let path = settings.indexPath ?? SampleIndex.defaultPath(dataDirectory: settings.dataDirectory)
            let log = try SampleForwardLog(path: path, dataDirectory: settings.dataDirectory)
            try await log.configure(
                destinations: settings.forwards.filter { $0.streams.contains(.samples) }.map(\.name))
            sources.append((.samples, log))
        }
        let interfaces = try InterfaceForwardLog(
            path: SQLiteInterfaceStore.defaultPath(dataDirectory: settings.dataDirectory))
        try await interfaces.configure(
            destinations: settings.forwards.filter { $0.streams.contains(.interfaces) }.map(\.name))
        sources.append((.interfaces, interfaces))
        var forwarders: [Forwarder] = []
        for forward in settings.forwards {
            for (stream, source) in sources where forward.streams.contains(stream) {
                var forwarder = Forwarder(forward: forward, source: source, logger: logger)
                forwarder.metrics = metrics
                forwarders.append(forwarder)
            }
        }
        return forwarders
    }

    /// True once every event loop of the group Hummingbird serves on has run a no-op task: a loop
    /// wedged in a handler cannot, so the watchdog then goes unfed.
    static func eventLoopsAnswer() async -> Bool {
        for loop in NIOSingletons.posixEventLoopGroup.makeIterator() {
            guard (try? await loop.submit {}.get()) != nil else { return false }
        }
        return true
    }
}

/// The "listening on …" line, set once the port is bound, repeated in the status after a reload.
final class StatusLine: Sendable {
    private let line = Mutex("starting")
    var value: String {
        get { line.withLock { $0 } }
        set { line.withLock { $0 = newValue } }
    }
}
