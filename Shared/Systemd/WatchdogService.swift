import ServiceLifecycle

/// The watchdog pinger as a service of a daemon's `ServiceGroup`: it pings until the group shuts
/// down gracefully (or is cancelled), then tells systemd the daemon is stopping.
///
/// ```swift
/// let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: WatchdogService(pinger: pinger, notifier: notifier))], ...))
/// ```
public struct WatchdogService: Service {
    public let pinger: WatchdogPinger?
    public let notifier: SystemdNotifier

    public init(pinger: WatchdogPinger?, notifier: SystemdNotifier) {
        self.pinger = pinger
        self.notifier = notifier
    }

    public func run() async throws {
        if let pinger {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await pinger.run() }
                group.addTask { try? await gracefulShutdown() }
                // Whichever ends first (normally the shutdown) ends the pinging.
                await group.next()
                group.cancelAll()
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping()
    }
}
