/// Everything the receiver needs to run, from flags or the TOML config file.
public struct ReceiverSettings: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8443
    public var dataDirectory: String = "/var/lib/fathom/data"
    public var credentialsPath: String = "/etc/fathom/credentials"
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Plain HTTP only when asked for in so many words.
    public var insecureHTTP: Bool = false
    public var maxBodyBytes: Int = 64 << 20
    public var maxLineBytes: Int = 1 << 20
    /// The esmond-compatible measurement archive; nil serves none (see `ArchiveSettings`). With
    /// `store` set it is in the store's database (no `databasePath`).
    public var archive: ArchiveSettings?
    /// Handshake, header and idle timeouts and the connection cap.
    public var connections = ConnectionPolicy()
    /// Protocol versions and TLS 1.2 cipher suites.
    public var tls = TLSPolicy()
    /// Failed logins tolerated per address and per user before 429 (see `LoginThrottle`).
    public var loginThrottle = LoginThrottle.Limits()
    /// Cluster → expected upload interval in seconds for the fleet page's states (`fleet_cadence`);
    /// other clusters' hosts have their cadence learned from their uploads.
    public var fleetCadence: [String: Int64] = [:]
    /// `GET /metrics` needs Basic auth from a `clusters=*` user (`metrics_auth`).
    public var metricsAuth = false
    /// Fold uploads into the ingest index (Grafana reads it); off only to compare ingest cost.
    public var sampleIndex: Bool = true
    /// Where the index lives; nil is `<data>/.fathom/index.sqlite`.
    public var indexPath: String?
    /// RabbitMQ destinations (`[[forward]]`) that get what the receiver stores.
    public var forwards: [ForwardSettings] = []
    /// The scale-out store on PostgreSQL; nil keeps the embedded store (day files, no database).
    public var store: StoreSettings?

    public init() {}

    /// The problem that stops the receiver from starting, if any.
    public func validationError() -> String? {
        if !insecureHTTP && (tlsCertificatePath == nil || tlsKeyPath == nil) {
            return "TLS is required: give --tls-cert and --tls-key (or --insecure-http to serve plain HTTP)"
        }
        if port < 0 || port > 65535 { return "port \(port) out of range" }
        if maxBodyBytes <= 0 || maxLineBytes <= 0 { return "size limits must be positive" }
        if let problem = connections.validationError() ?? tls.validationError() ?? loginThrottle.validationError() {
            return problem
        }
        if archive == nil, let forward = forwards.first(where: { $0.streams.contains(.archive) }) {
            return "forward \(forward.name) has the archive stream but no archive is configured (archive_db)"
        }
        if store != nil, archive?.databasePath != nil {
            return
                "archive_db (--archive-db) is for the embedded store: with [store] the archive is in the store's database"
        }
        if store != nil, let forward = forwards.first(where: { $0.streams.contains(.archive) }) {
            return "forward \(forward.name) has the archive stream, which is read from the SQLite archive's forward log"
                + " ([store] is set: the archive is in PostgreSQL)"
        }
        if store != nil, let forward = forwards.first(where: { $0.streams.contains(.samples) }) {
            return "forward \(forward.name) has the samples stream, which is read from the embedded store's index"
                + " ([store] is set)"
        }
        if !sampleIndex, let forward = forwards.first(where: { $0.streams.contains(.samples) }) {
            return
                "forward \(forward.name) has the samples stream, which is read from the ingest index (sample_index = false)"
        }
        if let (cluster, _) = fleetCadence.first(where: { $0.value <= 0 }) {
            return "fleet cadence of \(cluster) must be positive"
        }
        return nil
    }
}
