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
/// # The measurement archive (esmond API); served only when archive_db is set.
/// archive_db = "/var/lib/fathom/archive.sqlite"
/// api_keys = "/etc/fathom/api-keys"
/// archive_allow = ["10.0.0.0/8", "2001:db8::/32"]
/// # The ingest index behind /grafana/ (default on, at <data_dir>/.fathom/index.sqlite).
/// sample_index = true
/// index_db = "/var/lib/fathom/index.sqlite"
/// ```
public enum ReceiverSettingsFile {
    public static let keys: Set<String> = [
        "listen", "data_dir", "credentials", "tls_cert", "tls_key", "insecure_http", "max_body_bytes", "max_line_bytes",
        "archive_db", "api_keys", "archive_allow", "sample_index", "index_db",
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
        s.archive = try archive(root)
        return s
    }

    /// The archive keys, checked together: keys or an allow-list without a database would
    /// otherwise be silently ignored, which an operator would take for a working archive.
    static func archive(_ root: ConfigSection) throws(ConfigError) -> ArchiveSettings? {
        let apiKeys = try root.string("api_keys")
        let allow = try root.strings("archive_allow")
        guard let database = try root.string("archive_db") else {
            if apiKeys != nil || allow != nil {
                throw ConfigError("config keys 'api_keys' and 'archive_allow' need 'archive_db'")
            }
            return nil
        }
        var archive = ArchiveSettings(databasePath: database, apiKeysPath: apiKeys)
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
