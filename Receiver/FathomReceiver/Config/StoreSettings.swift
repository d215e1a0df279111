import FathomShared

/// The scale-out store (`[store]` in the config file, `--store` on the command line): a
/// PostgreSQL database that every receiver of a site writes to. Absent, the receiver keeps
/// today's embedded store (day files under the data directory).
///
/// ```toml
/// [store]
/// url = "postgresql://fathom@db.example.org:5432/fathom?sslmode=require"
/// password_file = "/etc/fathom/db-password"
/// ca_file = "/etc/fathom/db-ca.pem"      # with sslmode = "verify-full"
/// ```
public struct StoreSettings: Sendable, Equatable {
    /// How the connection to the database is protected (libpq's `sslmode` names).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (or a unix socket): for a database on the same host or a trusted network.
        case disable
        /// Encrypted; the server's certificate is not checked.
        case require
        /// Encrypted; the certificate must chain to `ca_file` (or the system roots) and name the host.
        case verifyFull = "verify-full"
    }

    /// `postgresql://user[:password]@host[:port]/database[?sslmode=…&host=/socket/dir]`.
    public var url: String
    /// A file holding the database password (its first line); overrides one in the URL.
    public var passwordFile: String?
    /// Overrides the URL's `sslmode`; nil keeps it (`disable` when the URL has none either).
    public var tlsMode: TLSMode?
    /// CA certificates (PEM) for `verify-full`; nil trusts the system roots.
    public var caFile: String?

    public init(url: String, passwordFile: String? = nil, tlsMode: TLSMode? = nil, caFile: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
        self.tlsMode = tlsMode
        self.caFile = caFile
    }

    public static let keys: Set<String> = ["url", "password_file", "sslmode", "ca_file"]

    /// The `[store]` table of the receiver's config file; nil when there is none.
    static func parse(_ root: ConfigSection) throws(ConfigError) -> StoreSettings? {
        guard let section = try root.section("store") else { return nil }
        try section.rejectUnknownKeys(allowed: keys)
        guard let url = try section.string("url") else { throw ConfigError("config table [store] needs 'url'") }
        var settings = StoreSettings(url: url)
        settings.passwordFile = try section.string("password_file")
        settings.caFile = try section.string("ca_file")
        if let mode = try section.string("sslmode") { settings.tlsMode = try tlsMode(mode) }
        return settings
    }

    /// `disable`, `require` or `verify-full`.
    public static func tlsMode(_ text: String) throws(ConfigError) -> TLSMode {
        guard let mode = TLSMode(rawValue: text) else {
            throw ConfigError("sslmode must be disable, require or verify-full, found \(text)")
        }
        return mode
    }
}
