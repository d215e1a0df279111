import FathomReceiver
import Hummingbird
import Logging
import ServiceLifecycle

/// A receiver application served in this process on the port it reports, for benchmarks that
/// drive it over real sockets.
struct InProcessReceiver {
    let server: ReceiverServer
    let port: Int
    private let serving: Task<Void, any Error>

    /// Starts serving and returns once the listener is bound.
    /// `store`: an opened store (PostgreSQL) instead of the embedded one; `archiveStore`: an
    /// opened archive store (PostgreSQL) instead of the file in `settings.archive`.
    static func start(
        settings: ReceiverSettings, logger: Logger, store: (any SampleStore)? = nil,
        archiveStore: (any ArchiveStore)? = nil
    ) async throws -> InProcessReceiver {
        let server = try ReceiverServer(settings: settings, logger: logger, store: store, archiveStore: archiveStore)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = try server.application { port in announce.yield(port) }
        let serving = Task {
            defer { announce.finish() }
            try await app.run()
        }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else {
            _ = try await serving.value
            throw Subprocess.Failure(description: "receiver stopped before listening")
        }
        return InProcessReceiver(server: server, port: port, serving: serving)
    }

    func stop() async {
        serving.cancel()
        _ = await serving.result
    }
}
