#if canImport(Glibc)
    import Glibc
#endif
#if canImport(CSystemd)
    import CSystemd
#endif

/// Tells the service manager how the daemon is doing (`sd_notify(3)`): ready, a status line,
/// watchdog keep-alives, reloads, shutdown. Outside systemd (no `NOTIFY_SOCKET`) every call is a
/// no-op, so daemons call it unconditionally.
///
/// ```swift
/// let notifier = SystemdNotifier.fromEnvironment()
/// notifier.ready(status: "listening on https://0.0.0.0:8443")
/// notifier.stopping()
/// ```
///
/// Every notification goes through libsystemd's `sd_notify`, which reads `NOTIFY_SOCKET` itself on
/// each call: the one path the daemons ship is the one the tests drive (with `NOTIFY_SOCKET` naming
/// a socket the test bound).
public struct SystemdNotifier: Sendable {
    /// False outside systemd: every call is then a no-op.
    public let isEnabled: Bool
    /// How often to send `WATCHDOG=1`: half of systemd's `WatchdogSec=`; nil when no watchdog is set.
    public let watchdogInterval: Duration?

    /// A notifier that sends nothing, for code run outside systemd (tests, the bench).
    public static let disabled = SystemdNotifier(isEnabled: false, watchdogInterval: nil)

    init(isEnabled: Bool, watchdogInterval: Duration?) {
        self.isEnabled = isEnabled
        self.watchdogInterval = isEnabled ? watchdogInterval : nil
    }

    /// The notifier systemd set up for this process: `NOTIFY_SOCKET`, and the watchdog from
    /// `sd_watchdog_enabled` (`WATCHDOG_USEC`, honoured only when `WATCHDOG_PID` is unset or ours).
    public static func fromEnvironment() -> SystemdNotifier {
        #if canImport(CSystemd)
            guard let socket = getenv("NOTIFY_SOCKET"), socket.pointee != 0 else { return .disabled }
            var usec: UInt64 = 0
            let interval: Duration? =
                sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? .microseconds(Int64(usec / 2)) : nil
            return SystemdNotifier(isEnabled: true, watchdogInterval: interval)
        #else
            return .disabled
        #endif
    }

    /// Start-up (or a reload) finished; call only once the daemon can do its work (listener bound).
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        send(["READY=1"] + Self.statusLine(status))
    }

    /// The one-line text `systemctl status` shows.
    @discardableResult
    public func status(_ text: String) -> Bool {
        send(Self.statusLine(text))
    }

    /// Watchdog keep-alive; `WatchdogPinger` sends it only while the daemon is healthy.
    @discardableResult
    public func watchdog() -> Bool {
        send(["WATCHDOG=1"])
    }

    /// A reload started; follow it with `ready(status:)` when done, failed or not. `MONOTONIC_USEC`
    /// is what `Type=notify-reload` (systemd 253+) requires and older systemd ignores.
    @discardableResult
    public func reloading(status: String? = nil) -> Bool {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"] + Self.statusLine(status))
    }

    /// Graceful shutdown started.
    @discardableResult
    public func stopping(status: String? = nil) -> Bool {
        send(["STOPPING=1"] + Self.statusLine(status))
    }

    /// Sends `KEY=VALUE` lines as one datagram; false when disabled or the send failed (never
    /// fatal: systemd may have gone away, and the daemon's work matters more than its report).
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        guard isEnabled, !lines.isEmpty else { return false }
        #if canImport(CSystemd)
            return lines.joined(separator: "\n").withCString { sd_notify(0, $0) } > 0
        #else
            return false
        #endif
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }

    /// `STATUS=` is one line of the datagram, so line breaks in the text become spaces.
    static func statusLine(_ text: String?) -> [String] {
        guard let text else { return [] }
        let flat = String(text.map { $0.isNewline ? " " : $0 })
        return ["STATUS=\(flat)"]
    }
}
