import FathomShared
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The receiver's HTTP(S) application: ingest routes, `/ping`, the Grafana data source, and the
/// storage writer (with its ingest index).
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
    /// The ingest index the writer folds into and Grafana reads; nil with `--no-index`.
    public let index: SampleIndex?
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        authenticator = try UploadAuthenticator(credentialsPath: settings.credentialsPath)
        if settings.sampleIndex {
            let path = settings.indexPath ?? SampleIndex.defaultPath(dataDirectory: settings.dataDirectory)
            try GroupCommitWriter.makeDirectories(
                String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), mode: 0o700, syncParents: false)
            index = try SampleIndex(path: path, dataDirectory: settings.dataDirectory)
        } else {
            index = nil
        }
        writer = try GroupCommitWriter(dataDirectory: settings.dataDirectory, index: index)
        archiveKeys = settings.archive.flatMap { try? ArchiveAPIKeys(path: $0.apiKeysPath) }
    }

    public func makeRouter() -> Router<IngestRequestContext> {
        let router = Router(context: IngestRequestContext.self)
        router.get("/ping") { _, _ in "pong\n" }
        SonarIngestRoutes(
            authenticator: authenticator, writer: writer,
            validator: SonarUploadValidator(maxLineBytes: settings.maxLineBytes),
            maxBodyBytes: settings.maxBodyBytes, logger: logger
        ).register(on: router)
        GrafanaRoutes(
            authenticator: authenticator, index: index,
            archive: settings.archive.flatMap { try? SQLiteArchiveStore(path: $0.databasePath) }, logger: logger
        ).register(on: router)
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
