import FathomShared
import FathomTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The exact datagrams each notification puts on the notify socket, for both address kinds.
@Suite(.timeLimit(.minutes(2))) struct SystemdNotifierTests {
    @Test(arguments: [false, true]) func readyCarriesStatusLine(abstract: Bool) throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(socketPath: socket.address)
        #expect(notifier.isEnabled)
        #expect(notifier.ready(status: "listening on https://0.0.0.0:8443"))
        #expect(socket.receive() == "READY=1\nSTATUS=listening on https://0.0.0.0:8443")
        #expect(notifier.ready())
        #expect(socket.receive() == "READY=1")
    }

    @Test(arguments: [false, true]) func watchdogStatusAndStopping(abstract: Bool) throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(socketPath: socket.address)
        notifier.watchdog()
        notifier.status("12 batches spooled")
        notifier.stopping()
        notifier.stopping(status: "draining")
        #expect(socket.drain() == ["WATCHDOG=1", "STATUS=12 batches spooled", "STOPPING=1", "STOPPING=1\nSTATUS=draining"])
    }

    @Test(arguments: [false, true]) func reloadingCarriesMonotonicClock(abstract: Bool) throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(socketPath: socket.address)
        let before = SystemdNotifier.monotonicMicroseconds()
        notifier.reloading()
        let after = SystemdNotifier.monotonicMicroseconds()
        let lines = try #require(socket.receive()).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
        #expect(before <= stamp && stamp <= after)
    }

    @Test func statusIsFlattenedToOneLine() throws {
        let socket = try FakeNotifySocket(abstract: true)
        SystemdNotifier(socketPath: socket.address).status("reload failed:\nbad line 3\r\n")
        // "\r\n" is one Character, so one space.
        #expect(socket.receive() == "STATUS=reload failed: bad line 3 ")
    }

    @Test(arguments: [nil, "", "relative/notify", "@", "/" + String(repeating: "x", count: 200)])
    func unusableAddressesDisableIt(path: String?) {
        let notifier = SystemdNotifier(socketPath: path, watchdogInterval: .seconds(5))
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(!notifier.ready(status: "x"))
        #expect(!notifier.watchdog())
    }

    @Test func missingSocketIsNotFatal() {
        let notifier = SystemdNotifier(socketPath: "/nonexistent-fathom-dir/notify")
        #expect(notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test func abstractAddressLengthHasNoTrailingNul() throws {
        let address = try #require(NotifySocketAddress("@abc"))
        #expect(address.isAbstract)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        #expect(address.withSockaddr { _, length in Int(length) } == offset + 4)
        let path = try #require(NotifySocketAddress("/run/systemd/notify"))
        #expect(!path.isAbstract)
        #expect(path.withSockaddr { _, length in Int(length) } == offset + 20)
    }
}

/// `fromEnvironment()`: libsystemd's `sd_notify` and `sd_watchdog_enabled` reading the variables
/// systemd sets. These change the process environment, so they hold `ProcessEnvironment`'s lock.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SystemdNotifierEnvironmentTests {
    @Test func noNotifySocketMeansNoOp() {
        let notifier = ProcessEnvironment.with(["NOTIFY_SOCKET": nil, "WATCHDOG_USEC": "2000000"]) {
            SystemdNotifier.fromEnvironment()
        }
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(!notifier.ready())
    }

    @Test(arguments: [false, true]) func libsystemdSendsTheSameDatagrams(abstract: Bool) throws {
        let socket = try FakeNotifySocket(abstract: abstract)
        // sd_notify reads NOTIFY_SOCKET on every call, so the sends happen while it is set.
        let (notifier, sent) = ProcessEnvironment.with(
            ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]
        ) {
            let notifier = SystemdNotifier.fromEnvironment()
            let sent = [notifier.ready(status: "listening on 127.0.0.1:1"), notifier.watchdog(), notifier.stopping()]
            return (notifier, sent)
        }
        #expect(notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(sent == [true, true, true])
        #expect(socket.drain() == ["READY=1\nSTATUS=listening on 127.0.0.1:1", "WATCHDOG=1", "STOPPING=1"])
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsec() {
        let interval = ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]
        ) { SystemdNotifier.fromEnvironment().watchdogInterval }
        #expect(interval == .seconds(15))
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() {
        let interval = ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"]
        ) { SystemdNotifier.fromEnvironment().watchdogInterval }
        #expect(interval == nil)
    }
}
