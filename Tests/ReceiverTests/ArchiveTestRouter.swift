import FathomTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

@testable import FathomReceiver

/// The archive API's routes behind HummingbirdTesting's in-memory client (`app.test(.router)`):
/// no socket and no port, for tests of routing and of the bodies the archive answers with. Tests
/// where the connection matters (the peer's address, the listening port, raw bytes on the wire)
/// use ``ArchiveTestServer``.
///
/// ```swift
/// try await ArchiveTestRouter.with { archive in
///     #expect(try await archive.get("/esmond/perfsonar/archive").status == 200)
/// }
/// ```
struct ArchiveTestRouter: Sendable {
    /// Where the archive's absolute links (`url`, `metadata-next-page`) start.
    static let origin = "https://archive.example.org"
    let client: any TestClientProtocol

    static func with(_ body: @Sendable (ArchiveTestRouter) async throws -> Void) async throws {
        let dir = TempDirectory("fathom-archive")
        defer { dir.remove() }
        let store = try SQLiteArchiveStore(path: dir.file("archive.sqlite"))
        var logger = Logger(label: "archive-test")
        logger.logLevel = .critical
        let router = ArchiveTestServer.router(
            store: store, links: try ArchiveLinkOrigin(publicURL: origin), logger: logger)
        try await Application(router: router, logger: logger).test(.router) { client in
            try await body(ArchiveTestRouter(client: client))
        }
    }

    /// One request, with the archive's API key unless `token` is nil; the answer in the shape the
    /// socket tests read, so a test moves between the two harnesses unchanged.
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = ArchiveTestServer.token
    ) async throws -> RawHTTPClient.Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Token \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return RawHTTPClient.Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name.rawName, $0.value) },
            body: String(buffer: response.body))
    }

    func get(_ path: String) async throws -> RawHTTPClient.Reply { try await send(.get, path, token: nil) }
}
