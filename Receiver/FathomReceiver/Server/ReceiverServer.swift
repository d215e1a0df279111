import FathomShared
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The receiver's HTTP(S) application: ingest routes, `/ping`, the fleet page, `/metrics`, and the
/// storage writer.
///
/// ```swift
/// let server = try ReceiverServer(settings: settings, logger: logger)
/// try await server.application(onRunning: { port in print(port) }).runService()
/// ```
public struct ReceiverServer: Sendable {
    public let settings: ReceiverSettings
    public let authenticator: UploadAuthenticator
    public let writer: GroupCommitWriter
    /// The archive's API keys, held here so SIGHUP can reload the very table the routes check;
    /// nil without an archive (or when the file cannot be read: the routes then answer 503).
    public let archiveKeys: ArchiveAPIKeys?
    /// Every host that uploaded (`/fleet`, host-state metrics), saved in `<data>/.fathom/fleet.sqlite`.
    public let fleet: FleetRegistry
    public let fleetStore: FleetStore
    public let metrics: ReceiverMetrics
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        authenticator = try UploadAuthenticator(credentialsPath: settings.credentialsPath)
        writer = try GroupCommitWriter(dataDirectory: settings.dataDirectory)
        archiveKeys = settings.archive.flatMap { try? ArchiveAPIKeys(path: $0.apiKeysPath) }
        // The writer made <data>/.fathom (mode 0700) above.
        fleetStore = try FleetStore(path: settings.dataDirectory + "/.fathom/fleet.sqlite")
        fleet = FleetRegistry(records: try fleetStore.load(), cadenceOverrides: settings.fleetCadence)
        let metrics = ReceiverMetrics()
        writer.observeCommits { uploads, sync in metrics.commitGroup(uploads: uploads, syncDuration: sync) }
        self.metrics = metrics
    }

    public func makeRouter() -> Router<IngestRequestContext> {
        let router = Router(context: IngestRequestContext.self)
        router.add(middleware: ArchiveWriteCounting(metrics: metrics))
        router.get("/ping") { _, _ in "pong\n" }
        var ingest = SonarIngestRoutes(
            authenticator: authenticator, writer: writer,
            validator: SonarUploadValidator(maxLineBytes: settings.maxLineBytes),
            maxBodyBytes: settings.maxBodyBytes, logger: logger
        )
        ingest.fleet = fleet
        ingest.metrics = metrics
        ingest.register(on: router)
        FleetRoutes(registry: fleet, authenticator: authenticator, metrics: metrics, logger: logger).register(on: router)
        MetricsRoutes(metrics: metrics, fleet: fleet, authenticator: settings.metricsAuth ? authenticator : nil)
            .register(on: router)
        if let archive = settings.archive {
            archive.register(on: router, scheme: settings.insecureHTTP ? "http" : "https", logger: logger, keys: archiveKeys)
        }
        return router
    }

    /// The runnable application; `onRunning` receives the bound port (useful with port 0).
    public func application(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if settings.insecureHTTP {
            server = .http1()
        } else {
            let chain = try NIOSSLCertificate.fromPEMFile(settings.tlsCertificatePath!).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: settings.tlsKeyPath!, format: .pem)
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            server = try .tls(.http1(), tlsConfiguration: tls)
        }
        return Application(
            router: makeRouter(),
            server: server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "fathom-receiver"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
    }
}
