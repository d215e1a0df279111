import FathomShared
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the receiver's secret tables on SIGHUP (`systemctl reload`) without dropping a
/// connection: the upload credentials and the archive's API keys. A file that does not load keeps
/// the previous table in force. Systemd sees `RELOADING=1` and then `READY=1` with the outcome.
///
/// The signal sequence is made by the caller before the service group starts, so SIGHUP is
/// trapped before `READY=1` can go out and an early reload never meets its default action.
struct ReloadService: Service {
    let hangups: UnixSignalsSequence
    let server: ReceiverServer
    let notifier: SystemdNotifier
    let status: StatusLine
    let logger: Logger

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading(status: "reloading credentials")
            let outcome: String
            do {
                try server.authenticator.reload()
                outcome = "credentials reloaded (\(server.authenticator.userCount) users)"
                logger.notice("credentials reloaded", metadata: ["users": "\(server.authenticator.userCount)"])
            } catch {
                outcome = "credentials reload failed, previous table kept: \(error)"
                logger.error("credentials reload failed; keeping the previous table", metadata: ["error": "\(error)"])
            }
            if let archiveKeys = server.archiveKeys {
                do {
                    try archiveKeys.reload()
                    logger.notice("archive API keys reloaded")
                } catch {
                    logger.error(
                        "archive API keys reload failed; keeping the previous keys", metadata: ["error": "\(error)"])
                }
            }
            notifier.ready(status: "\(status.value); \(outcome)")
        }
    }
}
