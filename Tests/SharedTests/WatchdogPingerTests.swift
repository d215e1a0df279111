import FathomShared
import FathomTestSupport
import Logging
import Testing

/// `WATCHDOG=1` goes out on schedule while the health check passes, and never otherwise.
@Suite(.timeLimit(.minutes(2))) struct WatchdogPingerTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func pingsWhileHealthy() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        let pinger = WatchdogPinger(
            notifier: SystemdNotifier(socketPath: socket.address), interval: .milliseconds(50), logger: quiet
        ) { true }
        let task = Task { await pinger.run() }
        let first = await socket.next(), second = await socket.next(), third = await socket.next()
        task.cancel()
        await task.value
        #expect([first, second, third] == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
    }

    @Test func silentWhileUnhealthyOrStuck() async throws {
        let socket = try FakeNotifySocket(abstract: false)
        let notifier = SystemdNotifier(socketPath: socket.address)
        let failing = WatchdogPinger(notifier: notifier, interval: .milliseconds(40), logger: quiet) { false }
        let stuck = WatchdogPinger(notifier: notifier, interval: .milliseconds(40), logger: quiet) {
            try? await Task.sleep(for: .seconds(30))
            return true
        }
        let tasks = [Task { await failing.run() }, Task { await stuck.run() }]
        #expect(await socket.next(timeoutMs: 300) == nil)
        tasks.forEach { $0.cancel() }
        for task in tasks { await task.value }
    }

    @Test func checkVerdicts() async {
        let notifier = SystemdNotifier(socketPath: nil)
        func verdict(_ check: @escaping @Sendable () async -> Bool) async -> WatchdogPinger.Verdict {
            await WatchdogPinger(notifier: notifier, interval: .seconds(1), logger: quiet, isHealthy: check)
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

    @Test func noWatchdogNoPinger() {
        #expect(WatchdogPinger(notifier: SystemdNotifier(socketPath: "@x"), logger: quiet) { true } == nil)
        #expect(
            WatchdogPinger(notifier: SystemdNotifier(socketPath: "@x", watchdogInterval: .seconds(10)), logger: quiet) { true }?
                .interval == .seconds(10))
    }
}
