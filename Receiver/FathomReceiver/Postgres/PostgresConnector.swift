import FathomShared
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// Opens connections to the store's database as `StoreSettings` says: address and user from the
/// URL, the password from `password_file`, TLS per `sslmode` (`require` encrypts without checking
/// the server, `verify-full` checks its certificate against `ca_file` or the system roots).
///
/// ```swift
/// let connector = try PostgresConnector(settings: StoreSettings(url: url), logger: logger)
/// let connection = try await connector.connect()
/// ```
struct PostgresConnector: Sendable {
    let address: PostgresStoreAddress
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    /// Connection ids for PostgresNIO's log metadata.
    private let ids = ConnectionIDs()

    init(settings: StoreSettings, logger: Logger) throws(ConfigError) {
        var address = try PostgresStoreAddress(settings.url)
        if let file = settings.passwordFile {
            guard let text = try? PosixFile.readText(file) else {
                throw ConfigError("store password file \(file) cannot be read")
            }
            address.password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        let mode = settings.tlsMode ?? address.tlsMode ?? .disable
        var configuration: PostgresConnection.Configuration
        if let directory = address.socketDirectory {
            guard mode == .disable else { throw ConfigError("sslmode \(mode.rawValue) needs a TCP host, not a socket") }
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(address.port)", username: address.user,
                password: address.password, database: address.database)
        } else {
            configuration = .init(
                host: address.host, port: address.port, username: address.user, password: address.password,
                database: address.database, tls: try Self.tls(mode, caFile: settings.caFile))
        }
        // A database that does not answer fails the group (503) rather than holding every upload.
        configuration.options.connectTimeout = .seconds(5)
        self.address = address
        self.configuration = configuration
        self.logger = logger
    }

    static func tls(_ mode: StoreSettings.TLSMode, caFile: String?) throws(ConfigError)
        -> PostgresConnection
        .Configuration.TLS
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return .disable
        case .require:
            tls.certificateVerification = .none
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let caFile {
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw ConfigError("store ca_file \(caFile): \(error)")
                }
            }
        }
        do {
            return .require(try NIOSSLContext(configuration: tls))
        } catch {
            throw ConfigError("store TLS: \(error)")
        }
    }

    /// A new connection, or an error within ``PostgresDeadline/limit`` (`connectTimeout` bounds
    /// only the TCP handshake, not a server that accepts and then never answers the startup).
    func connect() async throws -> PostgresConnection {
        let (configuration, id, logger) = (configuration, ids.next(), logger)
        let closeLate: @Sendable (PostgresConnection) -> Void = { $0.closeInBackground() }
        return try await PostgresDeadline.run(within: PostgresDeadline.limit, late: closeLate) {
            try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        }
    }
}

/// Numbers the connections one receiver opens.
private final class ConnectionIDs: Sendable {
    private let counter = Mutex(0)
    func next() -> Int {
        counter.withLock {
            $0 += 1
            return $0
        }
    }
}
