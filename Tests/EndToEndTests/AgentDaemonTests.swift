import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The real `fathom-agent run` daemon's own claims against a real receiver over TLS: SIGHUP
/// re-reads the config (the next samples go to the cluster the new file names, same process),
/// sysinfo goes out at start and then on its own interval (daily unless configured), and the
/// send window delays delivery while sampling goes on.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentDaemonTests {
    /// Stored sample lines of `cluster` (sysinfo files left out).
    private func sampleLines(_ f: ReceiverFixture, cluster: String) -> Int {
        storedFiles(f.data, cluster: cluster).filter { !$0.key.contains("/sysinfo-") }.values
            .reduce(0) { $0 + $1.split(separator: "\n").count }
    }

    /// Stored sysinfo reports of `cluster`, one JSON line each.
    private func sysinfoReports(_ f: ReceiverFixture, cluster: String) -> Int {
        storedFiles(f.data, cluster: cluster).filter { $0.key.contains("/sysinfo-") }.values
            .reduce(0) { $0 + $1.split(separator: "\n").count }
    }

    @Test func sighupReloadsTheConfigAndTheNextSamplesGoToTheNewCluster() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let daemon = try AgentDaemonProcess(fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox"))
        defer { daemon.stopLater() }
        #expect(
            try await AgentDaemonProcess.eventually { sampleLines(f, cluster: "fox") > 0 },
            "no samples for fox: \(daemon.log)")
        #expect(sampleLines(f, cluster: "saga") == 0)
        let pid = daemon.process.processIdentifier
        try daemon.rewriteConfig(try AgentDaemonProcess.config(f, cluster: "saga"))
        daemon.signal(SIGHUP)
        #expect(
            try await AgentDaemonProcess.eventually { sampleLines(f, cluster: "saga") > 0 },
            "no samples for saga after SIGHUP: \(daemon.log)")
        #expect(daemon.process.isRunning && daemon.process.processIdentifier == pid, "reloaded in place, not restarted")
        #expect(await daemon.stop() == 0, "\(daemon.log)")
    }

    @Test func brokenConfigOnSIGHUPKeepsTheRunningConfig() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let daemon = try AgentDaemonProcess(fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox"))
        defer { daemon.stopLater() }
        #expect(try await AgentDaemonProcess.eventually { sampleLines(f, cluster: "fox") > 0 }, "\(daemon.log)")
        try daemon.rewriteConfig("[receiver]\nurl = \n")
        daemon.signal(SIGHUP)
        let before = sampleLines(f, cluster: "fox")
        #expect(
            try await AgentDaemonProcess.eventually { sampleLines(f, cluster: "fox") > before },
            "sampling stopped: \(daemon.log)")
        #expect(daemon.process.isRunning)
        #expect(await daemon.stop() == 0, "\(daemon.log)")
    }

    @Test func sysinfoGoesOutAtStartThenOnItsInterval() async throws {
        #expect(AgentSettings().sysinfoIntervalSeconds == 86_400, "sysinfo is daily unless configured")
        let f = try await ReceiverFixture()
        defer { f.close() }
        // Default (daily): one report at start, none with the next samples.
        let daily = try AgentDaemonProcess(fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox"))
        #expect(
            try await AgentDaemonProcess.eventually { storedSampleTimes(f) >= 3 },
            "three samples delivered: \(daily.log)")
        #expect(sysinfoReports(f, cluster: "fox") == 1, "one sysinfo at start, then not again within the day")
        await daily.stop()
        // A 2 s interval: sent again while the daemon runs.
        let often = try AgentDaemonProcess(
            fixture: f, config: try AgentDaemonProcess.config(f, cluster: "saga", sysinfoInterval: 2))
        defer { often.stopLater() }
        #expect(
            try await AgentDaemonProcess.eventually { sysinfoReports(f, cluster: "saga") >= 3 },
            "sysinfo every 2 s: \(often.log)")
        #expect(await often.stop() == 0)
    }

    /// Distinct sample timestamps stored for fox: how many sampling ticks have been delivered.
    private func storedSampleTimes(_ f: ReceiverFixture) -> Int {
        let files = storedFiles(f.data, cluster: "fox").filter { !$0.key.contains("/sysinfo-") }
        let lines = files.values.flatMap { $0.split(separator: "\n") }
        return Set(lines.compactMap { line in line.split(separator: ",").first { $0.hasPrefix("time=") } }).count
    }

    @Test func sendWindowDelaysDeliveryWhileSamplesSpool() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        // A window of a million seconds: the first send waits a random delay in [0, 1e6) s, so
        // (but for a chance of 4 in a million) nothing is sent during this test while samples spool.
        let waiting = try AgentDaemonProcess(
            fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox", sendWindow: 1_000_000))
        let spool = f.dir.file("spool")
        func spooled() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter {
                !$0.hasPrefix(".") && $0 != "quarantine" && !$0.hasSuffix(".tmp")
            }.count
        }
        #expect(
            try await AgentDaemonProcess.eventually { spooled() >= 4 }, "samples spool every second: \(waiting.log)")
        #expect(storedFiles(f.data, cluster: "fox").isEmpty, "nothing sent inside the window")
        #expect(await waiting.stop() == 0, "SIGTERM during the window's wait: \(waiting.log)")
        let held = spooled()
        // The same spool with no window: everything goes out at once.
        let sending = try AgentDaemonProcess(
            fixture: f, config: try AgentDaemonProcess.config(f, cluster: "fox", sendWindow: 0))
        defer { sending.stopLater() }
        #expect(
            try await AgentDaemonProcess.eventually { storedSampleTimes(f) >= held - 1 },
            "the held batches were delivered: \(sending.log)")
        #expect(await sending.stop() == 0)
    }
}
