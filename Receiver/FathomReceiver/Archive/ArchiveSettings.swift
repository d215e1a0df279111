import FathomShared
import Hummingbird
import Logging

/// How the receiver's measurement archive is set up: the SQLite file and the API keys file
/// (`--archive-db`, `--api-keys`). Without it the receiver serves no archive routes. With the
/// PostgreSQL store (`[store]`) there is no file: the archive lives in the store's database and
/// every receiver on it serves the same one (`databasePath` nil); the API keys stay in files.
///
/// ```swift
/// let archive = ArchiveSettings(databasePath: "/var/lib/fathom/archive.sqlite", apiKeysPath: "/etc/fathom/api-keys")
/// try archive.check()                          // at startup: fail early on a bad file
/// archive.register(on: router, links: try archive.links(scheme: "https", host: "0.0.0.0", port: 8443), logger: logger)
/// ```
public struct ArchiveSettings: Sendable, Equatable {
    /// The SQLite file; nil when the archive is in the PostgreSQL store.
    public var databasePath: String?
    /// `user:key` per line (bcrypt allowed); nil means no one may write.
    public var apiKeysPath: String?
    /// Peers (CIDR) that may write without a token, and proxies whose `X-Forwarded-For` counts.
    public var writerNetworks = ArchiveWriterNetworks()
    /// Demand credentials for reads as well (esmond's reads are anonymous).
    public var readsNeedCredentials = false
    public var maxBodyBytes: Int = 16 << 20
    /// `scheme://host[:port][/path]` that starts the archive's absolute links (`public_url`,
    /// `--public-url`); without it, the listen address (see ``ArchiveLinkOrigin``).
    public var publicURL: String?

    public init(databasePath: String?, apiKeysPath: String? = nil) {
        self.databasePath = databasePath
        self.apiKeysPath = apiKeysPath
    }

    /// A bad network in the allow-list, with the text given.
    public struct NetworkError: Error, CustomStringConvertible {
        public var text: String
        public var description: String { "not a network (address or CIDR): \(text)" }
    }

    /// Parses allow-list entries such as `10.0.0.0/8` or `2001:db8::5`.
    public static func networks(_ texts: [String]) throws -> [IPNetwork] {
        try texts.map { text in
            guard let network = IPNetwork(text) else { throw NetworkError(text: text) }
            return network
        }
    }

    /// Opens (and migrates) the SQLite file and reads the keys file, so a startup fails with a
    /// clear message instead of a receiver whose archive answers 503. (The PostgreSQL store is
    /// opened, and so checked, before the receiver listens.)
    public func check() throws {
        if let databasePath { _ = try SQLiteArchiveStore(path: databasePath) }
        _ = try ArchiveAPIKeys(path: apiKeysPath)
        if let publicURL { _ = try ArchiveLinkOrigin(publicURL: publicURL) }
    }

    /// Where links start: `publicURL` when given, else the listen address and scheme.
    public func links(scheme: String, host: String, port: Int) throws -> ArchiveLinkOrigin {
        if let publicURL { return try ArchiveLinkOrigin(publicURL: publicURL) }
        return ArchiveLinkOrigin(scheme: scheme, listenHost: host, port: port)
    }

    /// Registers the archive API. A store or keys file that cannot be opened here does not stop
    /// sonar ingest: the archive routes then answer 503 JSON, and the reason is logged. `given`
    /// keys are used as they are (the caller keeps them to reload on SIGHUP), and so is an
    /// `opened` store (the PostgreSQL one, or a SQLite one shared with other routes).
    public func register<Context: RemoteAddressRequestContext>(
        on router: Router<Context>, links: ArchiveLinkOrigin, logger: Logger, keys given: ArchiveAPIKeys? = nil,
        store opened: (any ArchiveStore)? = nil
    ) {
        var store: any ArchiveStore
        var keys: ArchiveAPIKeys
        do {
            if let opened {
                store = opened
            } else if let databasePath {
                store = try SQLiteArchiveStore(path: databasePath)
            } else {
                throw UnavailableArchiveStore.Unavailable(description: "the store's database was not opened")
            }
            keys = try given ?? ArchiveAPIKeys(path: apiKeysPath)
        } catch {
            logger.error("measurement archive unavailable", metadata: ["error": "\(error)"])
            store = UnavailableArchiveStore(reason: "\(error)")
            keys = ArchiveAPIKeys(credentials: [])
        }
        ArchiveRoutes(
            store: store, keys: keys, writerNetworks: writerNetworks, readsNeedCredentials: readsNeedCredentials,
            links: links, maxBodyBytes: maxBodyBytes, logger: logger
        ).register(on: router)
    }
}

/// Stands in for a store that failed to open: every call fails, which the routes answer with 503.
struct UnavailableArchiveStore: ArchiveStore {
    struct Unavailable: Error, CustomStringConvertible { var description: String }
    let reason: String

    func createOrGetMetadata(_ input: ArchiveMetadataInput) async throws -> (metadata: ArchiveMetadata, created: Bool) {
        throw Unavailable(description: reason)
    }
    func metadata(key: String) async throws -> ArchiveMetadata? { throw Unavailable(description: reason) }
    func listMetadata(_ filter: ArchiveMetadataFilter) async throws -> (page: [ArchiveMetadata], total: Int) {
        throw Unavailable(description: reason)
    }
    func addPoint(key: String, eventType: String, ts: Int64, value: JSONValue) async throws -> ArchiveWriteOutcome {
        throw Unavailable(description: reason)
    }
    func addPoints(key: String, points: [ArchiveNewPoint]) async throws -> ArchiveDuplicatePoint? {
        throw Unavailable(description: reason)
    }
    func points(_ query: ArchiveSeriesQuery) async throws -> [ArchivePoint] { throw Unavailable(description: reason) }
}
