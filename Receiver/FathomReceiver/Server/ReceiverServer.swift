import FathomShared
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The receiver's HTTP(S) application: ingest routes, `/ping`, and the storage writer.
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
    /// Where the archive's absolute links start (its `public_url`, or the listen address).
    public let archiveLinks: ArchiveLinkOrigin?
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        authenticator = try UploadAuthenticator(credentialsPath: settings.credentialsPath)
        writer = try GroupCommitWriter(dataDirectory: settings.dataDirectory)
        archiveKeys = settings.archive.flatMap { try? ArchiveAPIKeys(path: $0.apiKeysPath) }
        archiveLinks = try settings.archive?.links(
            scheme: settings.insecureHTTP ? "http" : "https", host: settings.host, port: settings.port)
    }

    public func makeRouter() -> Router<IngestRequestContext> {
        let router = Router(context: IngestRequestContext.self)
        router.get("/ping") { _, _ in "pong\n" }
        SonarIngestRoutes(
            authenticator: authenticator, writer: writer,
            validator: SonarUploadValidator(maxLineBytes: settings.maxLineBytes),
            maxBodyBytes: settings.maxBodyBytes, logger: logger
        ).register(on: router)
        if let archive = settings.archive, let archiveLinks {
            archive.register(on: router, links: archiveLinks, logger: logger, keys: archiveKeys)
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
            onServerRunning: { [archiveLinks] channel in
                let port = channel.localAddress?.port ?? settings.port
                archiveLinks?.listening(on: port)
                await onRunning(port)
            },
            logger: logger
        )
    }
}
