import FathomShared

/// Reads `ReceiverSettings` from a TOML file with the same keys as the flags:
///
/// ```toml
/// listen = "0.0.0.0:8443"
/// data_dir = "/var/lib/fathom/data"
/// credentials = "/etc/fathom/credentials"
/// tls_cert = "/etc/fathom/tls/cert.pem"
/// tls_key = "/etc/fathom/tls/key.pem"
/// max_body_bytes = 67108864
/// # The measurement archive (esmond API); served when archive_db is set, or from the [store] database.
/// archive_db = "/var/lib/fathom/archive.sqlite"
/// api_keys = "/etc/fathom/api-keys"
/// archive_allow = ["10.0.0.0/8", "2001:db8::/32"]
/// public_url = "https://ma.example.org:8443"   # start of the archive's links (default: listen address)
/// # Strangers: timeouts in seconds, the connection cap, TLS, failed-login limits (defaults shown).
/// handshake_timeout = 10
/// header_timeout = 10
/// idle_timeout = 60
/// max_connections = 4096                # default: 4096 or RLIMIT_NOFILE - 128, the smaller
/// tls_min_version = "1.2"               # or "1.3"
/// tls_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:..."   # TLS 1.2 suites, OpenSSL syntax
/// login_failures_per_address = 10
/// login_failures_per_user = 30
/// login_forgive_seconds = 6
/// # Fleet page: expected upload interval per cluster in seconds (otherwise learned per host).
/// fleet_cadence = ["fox.example.org=300", "saga=60"]
/// # GET /metrics only with Basic auth of a clusters=* user.
/// metrics_auth = true
/// # The ingest index behind /grafana/ (default on, at <data_dir>/.fathom/index.sqlite).
/// sample_index = true
/// index_db = "/var/lib/fathom/index.sqlite"
/// # The scale-out store: every receiver on one PostgreSQL database (see `StoreSettings`).
/// [store]
/// url = "postgresql://fathom@db.example.org:5432/fathom?sslmode=require"
/// password_file = "/etc/fathom/db-password"
/// # Forward what is stored to RabbitMQ (see ForwardSettings for every key).
/// [[forward]]
/// url = "amqps://fathom@mq.example.org/psdata"
/// password_file = "/etc/fathom/rabbitmq-password"
/// exchange = "osg.psdata.raw"
/// ```
public enum ReceiverSettingsFile {
    public static let keys: Set<String> = [
        "listen", "data_dir", "credentials", "tls_cert", "tls_key", "insecure_http", "max_body_bytes", "max_line_bytes",
        "archive_db", "api_keys", "archive_allow", "public_url",
        "handshake_timeout", "header_timeout", "idle_timeout", "max_connections", "tls_min_version", "tls_ciphers",
        "login_failures_per_address", "login_failures_per_user", "login_forgive_seconds",
        "fleet_cadence", "metrics_auth",
        "sample_index", "index_db", "forward", "store",
    ]

    public static func load(path: String) throws -> ReceiverSettings {
        guard let text = try PosixFile.readText(path) else { throw ConfigError("\(path): no such file") }
        return try parse(text, fileName: path)
    }

    public static func parse(_ text: String, fileName: String) throws(ConfigError) -> ReceiverSettings {
        let root = try ConfigSection.parse(text, fileName: fileName)
        try root.rejectUnknownKeys(allowed: keys)
        var s = ReceiverSettings()
        if let listen = try root.string("listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ConfigError("config key 'listen' must be HOST:PORT, found \(listen)")
            }
            s.host = String(listen[..<colon]).trimmingCharacters(in: "[]")
            s.port = port
        }
        if let v = try root.string("data_dir") { s.dataDirectory = v }
        if let v = try root.string("credentials") { s.credentialsPath = v }
        if let v = try root.string("tls_cert") { s.tlsCertificatePath = v }
        if let v = try root.string("tls_key") { s.tlsKeyPath = v }
        if let v = try root.bool("insecure_http") { s.insecureHTTP = v }
        if let v = try root.int("max_body_bytes") { s.maxBodyBytes = v }
        if let v = try root.int("max_line_bytes") { s.maxLineBytes = v }
        if let v = try root.bool("sample_index") { s.sampleIndex = v }
        if let v = try root.string("index_db") { s.indexPath = v }
        s.store = try StoreSettings.parse(root)
        s.archive = try archive(root, store: s.store != nil)
        if let v = try root.double("handshake_timeout") {
            s.connections.handshakeTimeout = try seconds(v, "handshake_timeout")
        }
        if let v = try root.double("header_timeout") { s.connections.headerTimeout = try seconds(v, "header_timeout") }
        if let v = try root.double("idle_timeout") { s.connections.idleTimeout = try seconds(v, "idle_timeout") }
        if let v = try root.int("max_connections") { s.connections.maxConnections = v }
        if let v = try root.string("tls_min_version") { s.tls.minimumVersion = try tlsVersion(v) }
        if let v = try root.string("tls_ciphers") { s.tls.cipherSuites = v }
        if let v = try root.int("login_failures_per_address") { s.loginThrottle.failuresPerAddress = v }
        if let v = try root.int("login_failures_per_user") { s.loginThrottle.failuresPerUser = v }
        if let v = try root.double("login_forgive_seconds") {
            s.loginThrottle.forgiveAfter = try seconds(v, "login_forgive_seconds")
        }
        if let entries = try root.strings("fleet_cadence") {
            do {
                s.fleetCadence = try FleetCadenceSetting.parse(entries)
            } catch {
                throw ConfigError("config key 'fleet_cadence': \(error)")
            }
        }
        if let v = try root.bool("metrics_auth") { s.metricsAuth = v }
        if let sections = try root.tables("forward") {
            s.forwards = try ForwardSettings.parse(sections)
        }
        return s
    }

    /// A positive number of seconds as a `Duration` (flags and file keys alike).
    public static func seconds(_ value: Double, _ key: String) throws(ConfigError) -> Duration {
        guard value.isFinite, value > 0, value < 1e9 else {
            throw ConfigError("config key '\(key)' must be a positive number of seconds, found \(value)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// `"1.2"` or `"1.3"`.
    public static func tlsVersion(_ text: String) throws(ConfigError) -> TLSPolicy.MinimumVersion {
        guard let version = TLSPolicy.MinimumVersion(rawValue: text) else {
            throw ConfigError("config key 'tls_min_version' must be \"1.2\" or \"1.3\", found \(text)")
        }
        return version
    }

    /// The archive keys, checked together: keys or an allow-list without a database would
    /// otherwise be silently ignored, which an operator would take for a working archive. With
    /// the PostgreSQL store (`store`) the archive is always served, from the store's database.
    static func archive(_ root: ConfigSection, store: Bool) throws(ConfigError) -> ArchiveSettings? {
        let apiKeys = try root.string("api_keys")
        let allow = try root.strings("archive_allow")
        let publicURL = try root.string("public_url")
        let database = try root.string("archive_db")
        if database == nil && !store {
            if apiKeys != nil || allow != nil || publicURL != nil {
                throw ConfigError(
                    "config keys 'api_keys', 'archive_allow' and 'public_url' need 'archive_db' (or [store])")
            }
            return nil
        }
        var archive = ArchiveSettings(databasePath: database, apiKeysPath: apiKeys)
        if let publicURL {
            do {
                _ = try ArchiveLinkOrigin(publicURL: publicURL)
            } catch {
                throw ConfigError("config key 'public_url': \(error)")
            }
            archive.publicURL = publicURL
        }
        if let allow {
            do {
                archive.writerNetworks.writers = try ArchiveSettings.networks(allow)
            } catch {
                throw ConfigError("config key 'archive_allow': \(error)")
            }
        }
        return archive
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
