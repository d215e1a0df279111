import FathomTestSupport
import Foundation
import Testing

/// The real `fathom-receiver` under a real `NOTIFY_SOCKET` (a bound datagram socket standing in
/// for systemd) with `WATCHDOG_USEC` set: READY=1 once it listens, WATCHDOG=1 while it serves,
/// silence while it is frozen (SIGSTOP: nothing feeds the watchdog from outside the process),
/// pings again once it runs (SIGCONT), STOPPING=1 on SIGTERM. Whether the pings depend on the
/// event loops answering is `WatchdogPingerTests`' proof; this one is the wiring in the binary.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReceiverWatchdogTests {
    @Test func watchdogIsFedOverARealNotifySocketAndFallsSilentWhileFrozen() async throws {
        let socket = try FakeNotifySocket(abstract: true)
        let dir = TempDirectory("fathom-watchdog")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        try dir.write("credentials", "fox:pw\n")
        // 400 ms: the receiver pings every 200 ms.
        let receiver = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
            environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        defer { receiver.stopLater(thenRemove: dir) }
        #expect(await socket.awaitMessage(containing: "READY=1"), "no READY=1")
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no first WATCHDOG=1")
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no second WATCHDOG=1")

        receiver.signal(SIGSTOP)
        // Nothing for 2 s (10 pings' worth) once what was sent before the freeze is read.
        #expect(await socket.fallsSilent(forMs: 2_000), "a frozen receiver's watchdog was fed")
        receiver.signal(SIGCONT)
        #expect(await socket.awaitMessage(containing: "WATCHDOG=1"), "no WATCHDOG=1 after SIGCONT")

        receiver.signal(SIGTERM)
        #expect(await socket.awaitMessage(containing: "STOPPING=1"), "no STOPPING=1 on SIGTERM")
    }
}
