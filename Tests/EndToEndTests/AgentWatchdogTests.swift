import FathomTestSupport
import Foundation
import Testing

/// The real `fathom-agent run` under a real `NOTIFY_SOCKET` (a bound datagram socket standing in
/// for systemd) with `WATCHDOG_USEC` set: READY=1 once it runs, WATCHDOG=1 while it runs,
/// silence while it is frozen (SIGSTOP), pings again after SIGCONT, RELOADING=1 then READY=1
/// around a SIGHUP reload, STOPPING=1 on SIGTERM. That the pings depend on the health check is
/// `WatchdogPingerTests`' proof; this one is the wiring in the binary.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentWatchdogTests {
    @Test func watchdogIsFedWhileRunningNotWhileFrozenAndReloadIsBracketed() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        let f = try await ReceiverFixture()
        defer { f.close() }
        let daemon = try AgentDaemonProcess(
            fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox"),
            environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        defer { daemon.stopLater() }
        #expect(await socket.awaitMessage(containing: "READY=1"), "no READY=1: \(daemon.log)")
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no first WATCHDOG=1")
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no second WATCHDOG=1")

        daemon.signal(SIGSTOP)
        // Nothing for 2 s (10 pings' worth) once what was sent before the freeze is read.
        #expect(await socket.fallsSilent(forMs: 2_000), "a frozen agent's watchdog was fed")
        daemon.signal(SIGCONT)
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no WATCHDOG=1 after SIGCONT")

        daemon.signal(SIGHUP)
        #expect(await socket.awaitMessage(containing: "RELOADING=1"), "no RELOADING=1 on SIGHUP")
        #expect(await socket.awaitMessage(containing: "READY=1"), "no READY=1 after the reload")

        daemon.signal(SIGTERM)
        #expect(await socket.awaitMessage(containing: "STOPPING=1"), "no STOPPING=1 on SIGTERM")
        #expect(await daemon.stop() == 0, "\(daemon.log)")
    }
}
