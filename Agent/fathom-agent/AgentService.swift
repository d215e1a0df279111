import FathomAgent
import FathomShared
import Logging
import ServiceLifecycle
import UnixSignals

/// The agent daemon as a service of the `run` command's `ServiceGroup`: runs one generation of
/// the daemon's parts (sampler, delivery, scheduler, responder) at a time. SIGHUP re-reads the
/// config and starts a new generation with it; a config that does not load keeps the running
/// one. A graceful shutdown (SIGTERM, SIGINT) ends the current generation: the current send
/// finishes, the spool stays.
struct AgentService: Service {
    let hangups: UnixSignalsSequence
    let initial: (settings: AgentSettings, parts: AgentParts)
    let loadSettings: @Sendable () throws -> AgentSettings
    let makeParts: @Sendable (AgentSettings) throws -> AgentParts
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        var (settings, parts) = initial
        var signals = hangups.cancelOnGracefulShutdown().makeAsyncIterator()
        while true {
            logger.notice(
                "agent running",
                metadata: [
                    "receiver": "\(settings.receiverURLs.joined(separator: ", "))",
                    "cluster": "\(settings.cluster ?? "")",
                    "interval": "\(settings.intervalSeconds)s", "send_window": "\(settings.sendWindowSeconds)s",
                ])
            let daemon = Task { [parts] in await parts.daemon.run() }
            let status = Self.statusLine(settings)
            notifier.ready(status: status)
            // Wait for a SIGHUP whose config loads; the sequence ends on graceful shutdown.
            var reloaded: AgentSettings?
            while reloaded == nil, await signals.next() != nil {
                notifier.reloading(status: "reloading configuration")
                do {
                    reloaded = try loadSettings()
                } catch {
                    logger.error("config reload failed; keeping the running settings", metadata: ["error": "\(error)"])
                    notifier.ready(status: "\(status); reload failed: \(error)")
                }
            }
            daemon.cancel()
            await daemon.value
            try await parts.shutdown()
            guard let next = reloaded else { return }
            do {
                parts = try makeParts(next)
                settings = next
                logger.notice("configuration reloaded")
            } catch {
                logger.error(
                    "reloaded config cannot be used; keeping the previous one", metadata: ["error": "\(error)"])
                parts = try makeParts(settings)
            }
        }
    }

    /// What `systemctl status` shows while the agent runs.
    static func statusLine(_ settings: AgentSettings) -> String {
        let receivers = settings.receiverURLs.joined(separator: ", ")
        return "sampling every \(settings.intervalSeconds)s for \(settings.cluster ?? "?"), delivering to \(receivers)"
    }
}
