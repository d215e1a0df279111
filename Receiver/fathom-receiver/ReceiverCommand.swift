import ArgumentParser
import FathomReceiver
import FathomShared
import Logging

/// `fathom-receiver`: parses flags and the config file, then runs the receiver.
@main
struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fathom-receiver",
        abstract: "Receives sonar samples and sysinfo from Fathom agents over HTTPS and stores them durably.",
        discussion: """
            `fathom-receiver reindex --data-dir D` rebuilds the ingest index from the day files \
            (`--store URL`: a PostgreSQL store's from its lines); \
            `fathom-receiver prune --store URL --older-than 400d` drops old days from a PostgreSQL store; \
            `fathom-receiver export-tree --store URL --out DIR` writes it out as the day-file tree; \
            `fathom-receiver forward-status --config F` shows each RabbitMQ destination's backlog.
            """,
        version: FathomVersion.string
    )

    /// `reindex` and `forward-status` are dispatched here rather than declared as a subcommand: ArgumentParser lets a
    /// parent's options appear after a subcommand's name, so the serving flags (`--data-dir`)
    /// would swallow the subcommand's own.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == ReindexCommand.configuration.commandName {
            await ReindexCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == PruneCommand.configuration.commandName {
            await PruneCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == ExportTreeCommand.configuration.commandName {
            await ExportTreeCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == ForwardStatusCommand.configuration.commandName {
            await ForwardStatusCommand.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    @Option(help: "TOML config file; flags override its keys.") var config: String?
    @Option(help: "Address to listen on, HOST:PORT.") var listen: String?
    @Option(help: "Root of the data tree <data>/<cluster>/<YYYY>/<MM>/<DD>/<host>.csv.") var dataDir: String?
    @Option(help: "Credentials file: user:password per line (bcrypt hashes allowed).") var credentials: String?
    @Option(help: "TLS certificate chain (PEM).") var tlsCert: String?
    @Option(help: "TLS private key (PEM).") var tlsKey: String?
    @Option(help: "Largest accepted upload body in bytes.") var maxBodyBytes: Int?
    @Flag(help: "Serve plain HTTP (for a TLS-terminating proxy in front).") var insecureHTTP = false
    @Option(
        help:
            "Measurement archive (esmond API) SQLite file; no archive without it (with --store: the store's database).")
    var archiveDb: String?
    @Option(help: "Archive API keys file: user:key per line (bcrypt allowed).") var apiKeys: String?
    @Option(help: "Network (CIDR) that may write to the archive without a token; repeatable.") var archiveAllow:
        [String] = []
    @Option(help: "Public base URL of the archive's links (scheme://host[:port][/path]); default: the listen address.")
    var publicUrl: String?
    @Option(help: "Seconds from accept to a finished TLS handshake (default 10).") var handshakeTimeout: Double?
    @Option(help: "Seconds from a request's first byte to the end of its head (default 10).") var headerTimeout: Double?
    @Option(help: "Seconds a keep-alive connection may sit idle (default 60).") var idleTimeout: Double?
    @Option(help: "Open connections at most; more are closed at once (default 4096, bounded by RLIMIT_NOFILE).")
    var maxConnections: Int?
    @Option(help: "Oldest TLS version accepted: 1.2 (default) or 1.3.") var tlsMinVersion: String?
    @Option(help: "TLS 1.2 cipher suites, OpenSSL syntax (default: ECDHE with AES-GCM or ChaCha20-Poly1305).")
    var tlsCiphers: String?
    @Option(help: "Failed logins from one address before 429 (default 10).") var loginFailuresPerAddress: Int?
    @Option(help: "Failed logins for one user before 429 (default 30).") var loginFailuresPerUser: Int?
    @Option(help: "Seconds after which one failed login is forgiven (default 6).") var loginForgiveSeconds: Double?
    @Option(help: "Fleet page: expected upload interval of a cluster, CLUSTER=SECONDS; repeatable.") var fleetCadence:
        [String] = []
    @Flag(help: "GET /metrics only with Basic auth of a clusters=* user.") var metricsAuth = false
    @Option(help: "Ingest index SQLite file (default <data-dir>/.fathom/index.sqlite).") var indexDb: String?
    @Flag(help: "Do not keep the ingest index (Grafana series then answer 503).") var noIndex = false
    @Option(help: "Scale-out store: postgresql://USER@HOST:PORT/DATABASE[?sslmode=require]; default: day files.")
    var store: String?
    @Option(help: "File holding the store's database password.") var storePasswordFile: String?

    func run() async throws {
        let logger = FathomLogging.bootstrap(label: "fathom-receiver")
        var settings = ReceiverSettings()
        if let config {
            settings = try ReceiverSettingsFile.load(path: config)
        }
        if let listen {
            guard let (host, port) = parseListen(listen) else {
                throw ValidationError("--listen wants HOST:PORT, got \(listen)")
            }
            settings.host = host
            settings.port = port
        }
        if let dataDir { settings.dataDirectory = dataDir }
        if let credentials { settings.credentialsPath = credentials }
        if let tlsCert { settings.tlsCertificatePath = tlsCert }
        if let tlsKey { settings.tlsKeyPath = tlsKey }
        if let maxBodyBytes { settings.maxBodyBytes = maxBodyBytes }
        if insecureHTTP { settings.insecureHTTP = true }
        if let indexDb { settings.indexPath = indexDb }
        if noIndex { settings.sampleIndex = false }
        if let store {
            if settings.store == nil { settings.store = StoreSettings(url: store) }
            settings.store?.url = store
        }
        if let storePasswordFile {
            guard settings.store != nil else { throw ValidationError("--store-password-file needs --store") }
            settings.store?.passwordFile = storePasswordFile
        }
        // With the PostgreSQL store the archive is always served, from the store's database.
        if settings.store != nil && settings.archive == nil { settings.archive = ArchiveSettings(databasePath: nil) }
        if let archiveDb {
            // Flags override the file key by key: another database keeps the file's keys and allow-list.
            if settings.archive == nil { settings.archive = ArchiveSettings(databasePath: archiveDb) }
            settings.archive?.databasePath = archiveDb
        }
        if let apiKeys { settings.archive?.apiKeysPath = apiKeys }
        // Only given flags override, so `archive_allow` from the file survives an empty flag list.
        if !archiveAllow.isEmpty {
            settings.archive?.writerNetworks.writers = try ArchiveSettings.networks(archiveAllow)
        }
        if let publicUrl {
            guard settings.archive != nil else { throw ValidationError("--public-url needs --archive-db or --store") }
            settings.archive?.publicURL = publicUrl
        }
        try settings.archive?.check()
        if let v = handshakeTimeout {
            settings.connections.handshakeTimeout = try ReceiverSettingsFile.seconds(v, "--handshake-timeout")
        }
        if let v = headerTimeout {
            settings.connections.headerTimeout = try ReceiverSettingsFile.seconds(v, "--header-timeout")
        }
        if let v = idleTimeout {
            settings.connections.idleTimeout = try ReceiverSettingsFile.seconds(v, "--idle-timeout")
        }
        if let maxConnections { settings.connections.maxConnections = maxConnections }
        if let tlsMinVersion { settings.tls.minimumVersion = try ReceiverSettingsFile.tlsVersion(tlsMinVersion) }
        if let tlsCiphers { settings.tls.cipherSuites = tlsCiphers }
        if let v = loginFailuresPerAddress { settings.loginThrottle.failuresPerAddress = v }
        if let v = loginFailuresPerUser { settings.loginThrottle.failuresPerUser = v }
        if let v = loginForgiveSeconds {
            settings.loginThrottle.forgiveAfter = try ReceiverSettingsFile.seconds(v, "--login-forgive-seconds")
        }
        for (cluster, seconds) in try FleetCadenceSetting.parse(fleetCadence) {
            settings.fleetCadence[cluster] = seconds
        }
        if metricsAuth { settings.metricsAuth = true }
        if let problem = settings.validationError() { throw ValidationError(problem) }
        try await ReceiverRuntime(settings: settings, logger: logger).run()
    }

    private func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
