import Hummingbird
import Logging

@testable import FathomReceiver

/// A receiver router served in-process on 127.0.0.1, plain HTTP, on a port the kernel picks when
/// it binds (no other test can take it between choosing and listening): the harness under
/// ``ArchiveTestServer`` and ``DeviceTestServer``, whose tests talk to it over a real socket.
///
/// ```swift
/// try await LoopbackHTTPServer.serve(router, links: links, logger: logger) { port in
///     #expect(try await RawHTTPClient.send(port: port, method: "GET", path: "/", headers: [], body: nil).status == 404)
/// }
/// ```
enum LoopbackHTTPServer {
    /// Serves `router` while `body` runs with the listening port, then stops the server; `links`
    /// learns the port before `body` starts.
    static func serve(
        _ router: Router<IngestRequestContext>, links: ArchiveLinkOrigin, logger: Logger,
        _ body: (_ port: Int) async throws -> Void
    ) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, server: .http1(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                links.listening(on: channel.localAddress?.port ?? 0)
                continuation.yield(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()!
            defer { group.cancelAll() }
            try await body(port)
        }
    }
}
