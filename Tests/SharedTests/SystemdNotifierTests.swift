import FathomShared
import FathomTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The exact datagrams each notification puts on the notify socket, sent the way the daemons send
/// them: `fromEnvironment()` and the native `sd_notify` datagram, with `NOTIFY_SOCKET` naming a datagram
/// socket the test bound (a path or an abstract name). These change the process environment, so
/// they hold `ProcessEnvironment`'s lock.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SystemdNotifierTests {
    /// A notifier made from the environment while `NOTIFY_SOCKET` names `socket`; `body` runs (and
    /// so sends) while it is still set (the notifier reads it once, when made).
    func withNotifier<R>(
        _ socket: FakeNotifySocket, watchdog: [String: String?] = ["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil],
        _ body: (SystemdNotifier) async throws -> R
    ) async rethrows -> R {
        var values = watchdog
        values["NOTIFY_SOCKET"] = .some(socket.address)
        return try await ProcessEnvironment.with(values) {
            try await body(SystemdNotifier.fromEnvironment())
        }
    }

    @Test(arguments: [false, true]) func aDaemonsLifeAsItsDatagrams(abstract: Bool) async throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        let sent = await withNotifier(socket) { notifier in
            #expect(notifier.isEnabled)
            #expect(notifier.watchdogInterval == nil)
            return [
                notifier.ready(status: "listening on https://0.0.0.0:8443"), notifier.watchdog(),
                notifier.status("12 batches spooled"), notifier.watchdog(), notifier.stopping(),
                notifier.stopping(status: "draining"), notifier.ready(),
            ]
        }
        #expect(sent == Array(repeating: true, count: 7))
        #expect(
            socket.drain() == [
                "READY=1\nSTATUS=listening on https://0.0.0.0:8443", "WATCHDOG=1", "STATUS=12 batches spooled",
                "WATCHDOG=1", "STOPPING=1", "STOPPING=1\nSTATUS=draining", "READY=1",
            ])
    }

    @Test(arguments: [false, true]) func reloadingCarriesMonotonicClock(abstract: Bool) async throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        let (before, after) = await withNotifier(socket) { notifier in
            let before = SystemdNotifier.monotonicMicroseconds()
            notifier.reloading()
            return (before, SystemdNotifier.monotonicMicroseconds())
        }
        let lines = try #require(socket.receive()).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(
            lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
        #expect(before <= stamp && stamp <= after)
    }

    @Test func statusIsFlattenedToOneLine() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        #expect(await withNotifier(socket) { $0.status("reload failed:\nbad line 3\r\n") })
        // "\r\n" is one Character, so one space.
        #expect(socket.receive() == "STATUS=reload failed: bad line 3 ")
    }

    /// Another test's daemon in this process may set `NOTIFY_SOCKET` to its own socket meanwhile:
    /// a notifier keeps sending to the socket it was made with.
    @Test func aNotifierKeepsItsSocketWhenTheEnvironmentChanges() async throws {
        let mine = try FakeNotifySocket(abstract: true)
        let other = try FakeNotifySocket(abstract: true)
        let notifier = await ProcessEnvironment.with(["NOTIFY_SOCKET": mine.address]) {
            SystemdNotifier.fromEnvironment()
        }
        let sent = await ProcessEnvironment.with(["NOTIFY_SOCKET": other.address]) { notifier.watchdog() }
        #expect(sent)
        #expect(mine.receive() == "WATCHDOG=1")
        #expect(other.drain().isEmpty)
    }

    @Test func noNotifySocketMeansNoOp() async {
        let notifier = await ProcessEnvironment.with(["NOTIFY_SOCKET": nil, "WATCHDOG_USEC": "2000000"]) {
            SystemdNotifier.fromEnvironment()
        }
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(!notifier.ready())
        #expect(!SystemdNotifier.disabled.watchdog())
    }

    @Test(arguments: ["relative/notify", "/nonexistent-fathom-dir/notify", "/" + String(repeating: "x", count: 200)])
    func anUnusableSocketIsNotFatal(address: String) async {
        let sent = await ProcessEnvironment.with(["NOTIFY_SOCKET": address]) {
            let notifier = SystemdNotifier.fromEnvironment()
            return [notifier.ready(status: "x"), notifier.watchdog(), notifier.stopping()]
        }
        #expect(sent == [false, false, false])
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsec() async {
        let interval = await ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]
        ) { SystemdNotifier.fromEnvironment().watchdogInterval }
        #expect(interval == .seconds(15))
    }

    @Test(arguments: ["", "0", "-5", "soon", "30000000x"])
    func aMalformedOrZeroWatchdogUsecMeansNoWatchdog(usec: String) async {
        let interval = await ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": usec, "WATCHDOG_PID": nil]
        ) { SystemdNotifier.fromEnvironment().watchdogInterval }
        #expect(interval == nil)
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() async {
        let interval = await ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"]
        ) { SystemdNotifier.fromEnvironment().watchdogInterval }
        #expect(interval == nil)
    }

    @Test func fakeSocketAbstractAddressHasNoTrailingNul() throws {
        // The notifier sends to exactly these bytes (as libsystemd does); with a trailing NUL the test socket would bind
        // another name and the abstract cases above would receive nothing.
        let address = try #require(NotifySocketAddress("@abc"))
        #expect(address.isAbstract)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        #expect(address.withSockaddr { _, length in Int(length) } == offset + 4)
        let path = try #require(NotifySocketAddress("/run/systemd/notify"))
        #expect(!path.isAbstract)
        #expect(path.withSockaddr { _, length in Int(length) } == offset + 20)
    }
}
