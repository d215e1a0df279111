import FathomTestSupport
import Foundation
import Testing

/// The real `fathom-agent run` under a real `NOTIFY_SOCKET` (a bound datagram socket standing in
/// for systemd) with `WATCHDOG_USEC` set: READY=1 once it runs, WATCHDOG=1 while it runs,
/// silence while it is frozen (SIGSTOP), pings again after SIGCONT, RELOADING=1 then READY=1
/// around a SIGHUP reload, STOPPING=1 on SIGTERM. That the pings depend on the health check is
/// `WatchdogPingerTests`' proof; this one is the wiring in the binary.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentWatchdogTests {
    /// Messages until one contains `text`, for at most `timeoutMs`; whether it came.
    private func awaitMessage(_ socket: FakeNotifySocket, containing text: String, timeoutMs: Int32 = 10_000) async
        -> Bool
    {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while ContinuousClock.now < deadline {
            guard let message = await socket.next(timeoutMs: timeoutMs) else { return false }
            if message.contains(text) { return true }
        }
        return false
    }

    @Test func watchdogIsFedWhileRunningNotWhileFrozenAndReloadIsBracketed() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        let f = try await ReceiverFixture()
        let daemon = try AgentDaemonProcess(
            fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox"),
            environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        defer { daemon.stop() }
        #expect(await awaitMessage(socket, containing: "READY=1"), "no READY=1: \(daemon.log)")
        #expect(await awaitMessage(socket, containing: "WATCHDOG=1"), "no first WATCHDOG=1")
        #expect(await awaitMessage(socket, containing: "WATCHDOG=1"), "no second WATCHDOG=1")

        daemon.signal(SIGSTOP)
        // What was sent before the freeze may still be queued; after that, nothing for 2 s (10 pings' worth).
        while await socket.next(timeoutMs: 300) != nil {}
        #expect(await socket.next(timeoutMs: 2_000) == nil, "a frozen agent's watchdog was fed")
        daemon.signal(SIGCONT)
        #expect(await awaitMessage(socket, containing: "WATCHDOG=1"), "no WATCHDOG=1 after SIGCONT")

        daemon.signal(SIGHUP)
        #expect(await awaitMessage(socket, containing: "RELOADING=1"), "no RELOADING=1 on SIGHUP")
        #expect(await awaitMessage(socket, containing: "READY=1"), "no READY=1 after the reload")

        daemon.signal(SIGTERM)
        #expect(await awaitMessage(socket, containing: "STOPPING=1"), "no STOPPING=1 on SIGTERM")
        #expect(daemon.stop() == 0, "\(daemon.log)")
        await f.close()
    }
}
