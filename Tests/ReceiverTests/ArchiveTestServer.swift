import FathomShared
import FathomTestSupport
import Foundation
import Hummingbird
import Logging

@testable import FathomReceiver

/// An archive API on 127.0.0.1, a free port, plain HTTP, backed by a real store (a SQLite file,
/// or a database on the suite's PostgreSQL server); the test talks to it with ``RawHTTPClient``
/// over a real socket.
struct ArchiveTestServer {
    static let token = "35dfc21ebf95a6deadbeef83f1e052fbadcafe57"
    let port: Int
    let store: any ArchiveStore

    /// Runs `body` with a server on a fresh store of `kind`; without PostgreSQL a `.postgres`
    /// run is skipped (`body` is not called).
    static func with(
        kind: ArchiveStoreKind = .sqlite, writers: ArchiveWriterNetworks = .init(), readsNeedCredentials: Bool = false,
        publicURL: String? = nil, suite: String = #fileID, test: String = #function,
        _ body: (ArchiveTestServer) async throws -> Void
    ) async throws {
        let dir = TempDirectory("fathom-archive")
        defer { dir.remove() }
        guard let location = try await kind.makeLocation(in: dir, suite: suite, test: test) else { return }
        let store = try await ArchiveStoreKind.open(location)
        var logger = Logger(label: "archive-test")
        logger.logLevel = .critical
        let links =
            try publicURL.map { try ArchiveLinkOrigin(publicURL: $0) }
            ?? ArchiveLinkOrigin(scheme: "http", listenHost: "127.0.0.1", port: 0)
        let router = Self.router(
            store: store, writers: writers, readsNeedCredentials: readsNeedCredentials, links: links, logger: logger)
        do {
            try await LoopbackHTTPServer.serve(router, links: links, logger: logger) { port in
                try await body(ArchiveTestServer(port: port, store: store))
            }
        } catch {
            await ArchiveStoreKind.close(store)
            throw error
        }
        await ArchiveStoreKind.close(store)
    }

    /// The archive API's routes as the receiver wires them, with one API key (`token`).
    static func router(
        store: any ArchiveStore, writers: ArchiveWriterNetworks = .init(), readsNeedCredentials: Bool = false,
        links: ArchiveLinkOrigin, logger: Logger
    ) -> Router<IngestRequestContext> {
        let keys = ArchiveAPIKeys(credentials: [Credential(user: "pscheduler", secret: token)])
        let router = Router(context: IngestRequestContext.self)
        ArchiveRoutes(
            store: store, keys: keys, writerNetworks: writers, readsNeedCredentials: readsNeedCredentials, links: links,
            maxBodyBytes: 1 << 20, logger: logger
        ).register(on: router)
        return router
    }

    func send(
        _ method: String, _ path: String, json: String? = nil, token: String? = ArchiveTestServer.token,
        headers: [(String, String)] = []
    ) async throws -> RawHTTPClient.Reply {
        var all = headers
        if let token { all.append(("Authorization", "Token \(token)")) }
        if json != nil, !all.contains(where: { $0.0.lowercased() == "content-type" }) {
            all.append(("Content-Type", "application/json"))
        }
        return try await RawHTTPClient.send(port: port, method: method, path: path, headers: all, body: json)
    }

    func get(_ path: String) async throws -> RawHTTPClient.Reply { try await send("GET", path, token: nil) }
}
