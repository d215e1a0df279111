#if canImport(Glibc)
    import Glibc
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
/// The `sd_notify(3)` protocol spoken natively (no libsystemd, which would bring libgcrypt, lzma,
/// zstd, lz4 and libcap into the agent): each notification is one datagram of `KEY=VALUE` lines to
/// the `AF_UNIX` socket `NOTIFY_SOCKET` names (a path, or `@name` for an abstract socket), read
/// once, when the notifier is made (systemd sets it once, at start; a notifier keeps its own socket
/// even if the environment changes, as it does between tests in one process). The tests drive this
/// one path with `NOTIFY_SOCKET` naming a socket they bound.
public struct SystemdNotifier: Sendable {
    /// False outside systemd: every call is then a no-op.
    public let isEnabled: Bool
    /// How often to send `WATCHDOG=1`: half of systemd's `WatchdogSec=`; nil when no watchdog is set.
    public let watchdogInterval: Duration?

    /// Where notifications go; nil when `NOTIFY_SOCKET` named nothing usable (then sends fail).
    let address: NotifySocketAddress?

    /// A notifier that sends nothing, for code run outside systemd (tests, the bench).
    public static let disabled = SystemdNotifier(isEnabled: false, watchdogInterval: nil)

    init(isEnabled: Bool, watchdogInterval: Duration?, address: NotifySocketAddress? = nil) {
        self.isEnabled = isEnabled
        self.watchdogInterval = isEnabled ? watchdogInterval : nil
        self.address = isEnabled ? address : nil
    }

    /// The notifier systemd set up for this process: `NOTIFY_SOCKET`, and the watchdog as
    /// `sd_watchdog_enabled(3)` reads it (`WATCHDOG_USEC`, honoured only when `WATCHDOG_PID` is
    /// unset or ours).
    public static func fromEnvironment() -> SystemdNotifier {
        guard let socket = environment("NOTIFY_SOCKET"), !socket.isEmpty else { return .disabled }
        var interval: Duration?
        if let text = environment("WATCHDOG_USEC"), let usec = UInt64(text), usec > 0,
            environment("WATCHDOG_PID").map({ pid_t($0) == getpid() }) ?? true
        {
            interval = .microseconds(Int64(clamping: usec / 2))
        }
        return SystemdNotifier(isEnabled: true, watchdogInterval: interval, address: NotifySocketAddress(socket))
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
        guard isEnabled, !lines.isEmpty, let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let datagram = Array(lines.joined(separator: "\n").utf8)
        let sent = address.withSockaddr { addr, length in
            datagram.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), addr, length) }
        }
        return sent == datagram.count
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
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
