import Dispatch
import FathomShared
import Hummingbird
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a configured receiver until SIGTERM/SIGINT: serves, reloads credentials on SIGHUP, and on
/// shutdown lets in-flight uploads finish and the writer sync before exiting.
public struct ReceiverRuntime: Sendable {
    public let settings: ReceiverSettings
    public let logger: Logger

    public init(settings: ReceiverSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let server = try ReceiverServer(settings: settings, logger: logger)
        let hangup = Self.onSignal(SIGHUP) { [logger] in
            do {
                try server.authenticator.reload()
                logger.notice("credentials reloaded", metadata: ["users": "\(server.authenticator.userCount)"])
            } catch {
                logger.error("credentials reload failed; keeping the previous table", metadata: ["error": "\(error)"])
            }
        }
        let scheme = settings.insecureHTTP ? "http" : "https"
        let app = try server.application { [logger, settings] port in
            logger.notice("listening on \(scheme)://\(settings.host):\(port)", metadata: ["data": "\(settings.dataDirectory)"])
        }
        defer {
            hangup.cancel()
            server.writer.shutdown()
        }
        try await app.runService()
    }

    /// A signal handler on a dispatch source (the signal is ignored for the default action).
    static func onSignal(_ signo: Int32, _ body: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(signo, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
        source.setEventHandler(handler: body)
        source.resume()
        return source
    }
}
