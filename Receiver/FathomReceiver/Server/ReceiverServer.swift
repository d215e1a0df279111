import FathomShared
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The receiver's HTTP(S) application: ingest routes, `/ping`, the Grafana data source, the fleet
/// page, `/metrics`, and the sample store (the file writer with its ingest index, or PostgreSQL),
/// behind the connection limits
/// of `ConnectionPolicy` and the TLS versions and suites of `TLSPolicy`.
///
/// ```swift
/// let server = try ReceiverServer(settings: settings, logger: logger)
/// try await server.application(onRunning: { port in print(port) }).runService()
/// ```
public struct ReceiverServer: Sendable {
    public let settings: ReceiverSettings
    public let authenticator: UploadAuthenticator
    /// Where uploads go: `writer`, or the store given to `init` (PostgreSQL).
    public let store: any SampleStore
    /// The embedded store's writer; nil when `store` is another (then there is no ingest index).
    public let writer: GroupCommitWriter?
    /// The archive's API keys, held here so SIGHUP can reload the very table the routes check;
    /// nil without an archive (or when the file cannot be read: the routes then answer 503).
    public let archiveKeys: ArchiveAPIKeys?
    /// The archive's store: the PostgreSQL one given to `init`, or the SQLite file of
    /// `settings.archive`; nil without an archive (or when the file cannot be opened).
    public let archiveStore: (any ArchiveStore)?
    /// Where the archive's absolute links start (its `public_url`, or the listen address).
    public let archiveLinks: ArchiveLinkOrigin?
    /// Every host that uploaded (`/fleet`, host-state metrics), saved in `<data>/.fathom/fleet.sqlite`.
    public let fleet: FleetRegistry
    public let fleetStore: FleetStore
    public let metrics: ReceiverMetrics
    /// The ingest index the writer folds into; nil with `--no-index` or another store.
    public let index: SampleIndex?
    /// What Grafana's sample series read: `index`, or the store's own (PostgreSQL); nil with `--no-index`.
    public let seriesIndex: (any SampleSeriesIndex)?
    /// Interface counters, rates and life cycle (`POST /interfaces`, the esmond device API).
    public let interfaces: any InterfaceStore
    /// Where the device API's absolute links start: the archive's origin, or the listen address.
    public let deviceLinks: ArchiveLinkOrigin
    public let logger: Logger

    /// `store`: a store opened beforehand (`PostgresSampleStore`); nil keeps the embedded one.
    /// `archiveStore`: the archive's (`PostgresArchiveStore`); nil opens `settings.archive`'s file.
    public init(
        settings: ReceiverSettings, logger: Logger, store: (any SampleStore)? = nil,
        archiveStore: (any ArchiveStore)? = nil
    ) throws {
        self.settings = settings
        self.logger = logger
        authenticator = try UploadAuthenticator(
            credentialsPath: settings.credentialsPath, throttle: LoginThrottle(limits: settings.loginThrottle))
        if let store {
            // The ingest index folds the day files, which a database store does not write: the
            // store writes its own index in its commits.
            index = nil
            seriesIndex = store.seriesIndex
            writer = nil
            self.store = store
            try GroupCommitWriter.makeDirectories(settings.dataDirectory + "/.fathom", mode: 0o700, syncParents: false)
        } else {
            if settings.sampleIndex {
                let path = settings.indexPath ?? SampleIndex.defaultPath(dataDirectory: settings.dataDirectory)
                try GroupCommitWriter.makeDirectories(
                    String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), mode: 0o700, syncParents: false)
                index = try SampleIndex(path: path, dataDirectory: settings.dataDirectory)
            } else {
                index = nil
            }
            seriesIndex = index
            let writer = try GroupCommitWriter(dataDirectory: settings.dataDirectory, index: index)
            self.writer = writer
            self.store = writer
        }
        // Wrong tokens and wrong passwords fill the same per-address buckets and share the bcrypt pool.
        archiveKeys = settings.archive.flatMap { [authenticator] in
            try? ArchiveAPIKeys(
                path: $0.apiKeysPath, throttle: authenticator.throttle, hashPool: authenticator.hashPool)
        }
        self.archiveStore =
            archiveStore ?? settings.archive?.databasePath.flatMap { try? SQLiteArchiveStore(path: $0) }
        archiveLinks = try settings.archive?.links(
            scheme: settings.insecureHTTP ? "http" : "https", host: settings.host, port: settings.port)
        deviceLinks =
            archiveLinks
            ?? ArchiveLinkOrigin(
                scheme: settings.insecureHTTP ? "http" : "https", listenHost: settings.host, port: settings.port)
        // The writer (or the store branch) made <data>/.fathom (mode 0700) above.
        fleetStore = try FleetStore(path: settings.dataDirectory + "/.fathom/fleet.sqlite")
        fleet = FleetRegistry(records: try fleetStore.load(), cadenceOverrides: settings.fleetCadence)
        interfaces = try SQLiteInterfaceStore(
            path: SQLiteInterfaceStore.defaultPath(dataDirectory: settings.dataDirectory))
        let metrics = ReceiverMetrics()
        writer?.observeCommits { uploads, sync in metrics.commitGroup(uploads: uploads, syncDuration: sync) }
        if let writer, index != nil { metrics.setIndexLagProvider { [writer] in writer.indexLagSeconds } }
        self.metrics = metrics
    }

    public func makeRouter() -> Router<IngestRequestContext> {
        let router = Router(context: IngestRequestContext.self)
        router.add(middleware: ArchiveWriteCounting(metrics: metrics))
        router.get("/ping") { [store] _, _ in
            // A load balancer drains a receiver whose store is down.
            guard let reason = await store.unavailableReason() else {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "pong\n")))
            }
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: reason + "\n")))
        }
        var ingest = SonarIngestRoutes(
            authenticator: authenticator, store: store,
            validator: SonarUploadValidator(maxLineBytes: settings.maxLineBytes),
            maxBodyBytes: settings.maxBodyBytes, logger: logger
        )
        ingest.fleet = fleet
        ingest.metrics = metrics
        ingest.interfaceStore = interfaces
        ingest.register(on: router)
        var grafana = GrafanaRoutes(
            authenticator: authenticator, index: seriesIndex,
            archive: archiveStore, logger: logger)
        grafana.interfaces = interfaces
        grafana.register(on: router)
        DeviceRoutes(store: interfaces, links: deviceLinks, logger: logger).register(on: router)
        FleetRoutes(registry: fleet, authenticator: authenticator, metrics: metrics, logger: logger).register(
            on: router)
        MetricsRoutes(metrics: metrics, fleet: fleet, authenticator: settings.metricsAuth ? authenticator : nil)
            .register(on: router)
        if let archive = settings.archive, let archiveLinks {
            archive.register(on: router, links: archiveLinks, logger: logger, keys: archiveKeys, store: archiveStore)
        }
        return router
    }

    /// The runnable application; `onRunning` receives the bound port (useful with port 0).
    public func application(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let policy = settings.connections
        let server: HTTPServerBuilder
        if settings.insecureHTTP {
            server = HTTPServerBuilder { responder in
                ReceiverHTTP1Channel(responder: responder, policy: policy, tls: false)
            }
        } else {
            let tls = try settings.tls.serverConfiguration(
                certificatePath: settings.tlsCertificatePath!, keyPath: settings.tlsKeyPath!)
            // Built here, not lazily, so a cipher list BoringSSL rejects stops the start with its error.
            _ = try NIOSSLContext(configuration: tls)
            server = HTTPServerBuilder { responder in
                try TLSChannel(
                    ReceiverHTTP1Channel(responder: responder, policy: policy, tls: true), tlsConfiguration: tls)
            }
        }
        let maxConnections = policy.effectiveMaxConnections()
        return Application(
            router: makeRouter(),
            server: server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "fathom-receiver"),
            onServerRunning: { [deviceLinks, logger, settings] channel in
                await Self.guardListener(channel, maxConnections: maxConnections, logger: logger)
                let port = channel.localAddress?.port ?? settings.port
                // The archive's origin when there is an archive (the same object), else its own.
                deviceLinks.listening(on: port)
                await onRunning(port)
            },
            logger: logger
        )
    }

    /// Puts the connection cap and the descriptor-exhaustion backoff in front of the listening
    /// socket's pipeline (Hummingbird offers no other hook into it).
    static func guardListener(_ channel: any Channel, maxConnections: Int, logger: Logger) async {
        do {
            try await channel.eventLoop.submit {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(AcceptExhaustionBackoff(logger: logger), position: .first)
                try pipeline.addHandler(
                    ConnectionCapHandler(maxConnections: maxConnections, logger: logger), position: .first)
            }.get()
            logger.info("connection limits in place", metadata: ["max_connections": "\(maxConnections)"])
        } catch {
            logger.error("could not install the connection limits", metadata: ["error": "\(error)"])
        }
    }
}
