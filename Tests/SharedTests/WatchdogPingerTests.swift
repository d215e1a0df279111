import FathomShared
import FathomTestSupport
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `WATCHDOG=1` goes out on schedule while the health check passes, and never otherwise. The
/// keep-alives go as datagrams to a socket the test bound, so the tests that send hold
/// `ProcessEnvironment`'s lock while `NOTIFY_SOCKET` names it.
@Suite(.timeLimit(.minutes(2))) struct WatchdogPingerTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func pingsWhileHealthy() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        let received = await ProcessEnvironment.with(["NOTIFY_SOCKET": socket.address]) {
            let pinger = WatchdogPinger(
                notifier: SystemdNotifier.fromEnvironment(), interval: .milliseconds(50), logger: quiet
            ) { true }
            let task = Task { await pinger.run() }
            let received = [await socket.next(), await socket.next(), await socket.next()]
            task.cancel()
            await task.value
            return received
        }
        #expect(received == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
    }

    @Test func silentWhileUnhealthyOrStuck() async throws {
        let socket = try FakeNotifySocket(abstract: false)
        let received = await ProcessEnvironment.with(["NOTIFY_SOCKET": socket.address]) {
            let notifier = SystemdNotifier.fromEnvironment()
            #expect(notifier.isEnabled)
            let failing = WatchdogPinger(notifier: notifier, interval: .milliseconds(40), logger: quiet) { false }
            let stuck = WatchdogPinger(notifier: notifier, interval: .milliseconds(40), logger: quiet) {
                try? await Task.sleep(for: .seconds(30))
                return true
            }
            let tasks = [Task { await failing.run() }, Task { await stuck.run() }]
            let received = await socket.next(timeoutMs: 300)
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
            return received
        }
        #expect(received == nil)
    }

    @Test func checkVerdicts() async {
        func verdict(_ check: @escaping @Sendable () async -> Bool) async -> WatchdogPinger.Verdict {
            await WatchdogPinger(notifier: .disabled, interval: .seconds(1), logger: quiet, isHealthy: check)
                .check(within: .milliseconds(50))
        }
        #expect(await verdict { true } == .healthy)
        #expect(await verdict { false } == .unhealthy)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await verdict { (try? await Task.sleep(for: .seconds(30))) != nil } == .timedOut)
        // The stuck check sleeps 30 s; the verdict must not wait for it. The margin is wide because
        // other suites block the 2 cooperative threads of this machine for seconds at a time.
        #expect(clock.now - start < .seconds(25))
    }

    @Test func noWatchdogNoPinger() async {
        let (without, with) = await ProcessEnvironment.with(
            ["NOTIFY_SOCKET": "@fathom-unused", "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]
        ) {
            let without = SystemdNotifier.fromEnvironment()
            setenv("WATCHDOG_USEC", "20000000", 1)
            return (without, SystemdNotifier.fromEnvironment())
        }
        #expect(WatchdogPinger(notifier: without, logger: quiet) { true } == nil)
        #expect(WatchdogPinger(notifier: with, logger: quiet) { true }?.interval == .seconds(10))
    }
}
