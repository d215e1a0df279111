import FathomReceiver
import FathomTestSupport
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-bench agent` part (d): the lightweight agent's bars (issue 16), each against a
/// reference measured in this run, printed as ratios with PASS/FAIL:
/// - one-shot `fathom-agent sample --rollup` CPU (median of N child processes, user + sys from
///   each child's own `wait4`) ≤ 1.0× `ps -eo pid,ppid,user,pcpu,rss,cputime,comm`, and ≤ 1.0× real
///   sonar's `ps --rollup` where `sonar` is on PATH;
/// - its peak RSS (`ru_maxrss`) ≤ 2× ps's;
/// - the `fathom-agent run` daemon's RSS ≤ 14 MB and PSS ≤ 11 MB (`/proc/PID/smaps_rollup`) after
///   10 samples delivered to an in-process receiver;
/// - the executable, stripped, ≤ 16 MB.
///
/// Peak RSS comes from `/usr/bin/time -f %M` (GNU time forks, then waits with `wait4`): the bench
/// itself spawns with `CLONE_VM`, so the kernel would charge a child it spawned directly with the
/// bench's own resident size at `exec`; GNU time's small footprint is what the child inherits there.
struct AgentFootprint {
    var agentPath: String
    var runs: Int

    /// Child processes per one-shot tool; the CPU figure is their median.
    static let oneShotRuns = 20
    static let psArguments = ["-eo", "pid,ppid,user,pcpu,rss,cputime,comm"]
    static let daemonSamples = 10
    static let cpuBar = 1.0
    static let rssBar = 2.0
    static let daemonRSSBarMB = 14.0
    static let daemonPSSBarMB = 11.0
    static let sizeBarMB = 16.0

    /// A tool as the bars compare it: median CPU per exec'd run, and peak RSS.
    struct OneShot {
        var name: String
        var medianCPU: Double
        var peakRSSKiB: Int
    }

    /// Runs every part; the number of bars that failed.
    func run() async throws -> Int {
        print("(d) lightweight-agent bars (issue 16), \(runs) runs per one-shot tool, references in this run")
        var failures = 0
        failures += try oneShotBars()
        failures += try await daemonBars()
        failures += try sizeBar()
        return failures
    }

    private func oneShotBars() throws -> Int {
        guard let ps = Subprocess.which("ps") else { throw Subprocess.Failure(description: "no ps on PATH") }
        var tools = [
            ("fathom-agent sample --rollup", agentPath, ["sample", "--rollup"]),
            ("ps \(Self.psArguments.joined(separator: " "))", ps, Self.psArguments),
        ]
        if let sonar = Subprocess.which("sonar") { tools.append(("sonar ps --rollup", sonar, ["ps", "--rollup"])) }
        // Interleaved, so drift in the machine's load falls on every tool alike.
        var cpu = Array(repeating: [Double](), count: tools.count)
        for _ in 0..<runs {
            for (index, tool) in tools.enumerated() {
                let usage = try Subprocess.runQuietly(tool.1, tool.2)
                cpu[index].append(ResourceUsage.seconds(usage.ru_utime) + ResourceUsage.seconds(usage.ru_stime))
            }
        }
        var results: [OneShot] = []
        for (index, tool) in tools.enumerated() {
            let peaks = try (0..<5).map { _ in try Self.peakRSSKiB(tool.1, tool.2) }
            let result = OneShot(
                name: tool.0, medianCPU: Percentiles(cpu[index]).value(at: 50), peakRSSKiB: peaks.max() ?? 0)
            results.append(result)
            print(
                "    \(result.name): median CPU \(fmt(result.medianCPU * 1000, 3)) ms, "
                    + "peak RSS \(fmt(Double(result.peakRSSKiB) / 1024)) MiB")
        }
        let agent = results[0]
        var failures = 0
        for reference in results.dropFirst() {
            let ratio = agent.medianCPU / reference.medianCPU
            print(
                "    bar: sample --rollup CPU / \(reference.name) = \(fmt(ratio, 3)) (<= \(fmt(Self.cpuBar, 1))) "
                    + verdict(ratio <= Self.cpuBar))
            if ratio > Self.cpuBar { failures += 1 }
        }
        let rssRatio = Double(agent.peakRSSKiB) / Double(results[1].peakRSSKiB)
        print(
            "    bar: sample --rollup peak RSS / ps's = \(fmt(rssRatio, 3)) (<= \(fmt(Self.rssBar, 1))) \(verdict(rssRatio <= Self.rssBar))"
        )
        if rssRatio > Self.rssBar { failures += 1 }
        return failures
    }

    /// Peak RSS in KiB of one run of `path args`, as GNU time's `wait4` reports it.
    static func peakRSSKiB(_ path: String, _ args: [String]) throws -> Int {
        let report = TempDirectory.benchScratch("fathom-bench-rss")
        defer { report.remove() }
        let file = report.path + "/maxrss"
        try Subprocess.runQuietly("/usr/bin/time", ["-f", "%M", "-o", file, path] + args)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        guard let kib = text.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        else { throw Subprocess.Failure(description: "/usr/bin/time wrote no peak RSS: \(text)") }
        return kib
    }

    /// The `run` daemon against an in-process receiver: RSS and PSS once it has sampled and delivered
    /// ``daemonSamples`` times (interval 1 s, no send window).
    private func daemonBars() async throws -> Int {
        let scratch = TempDirectory.benchScratch("fathom-bench-daemon")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/pki", withIntermediateDirectories: true)
        let pki = try TestPKI(in: scratch.path + "/pki")
        try "bench:bench-secret\n".write(toFile: scratch.path + "/credentials", atomically: true, encoding: .utf8)
        try "bench-secret\n".write(toFile: scratch.path + "/password", atomically: true, encoding: .utf8)
        var settings = ReceiverSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.dataDirectory = scratch.path + "/data"
        settings.credentialsPath = scratch.path + "/credentials"
        settings.tlsCertificatePath = pki.serverCertificate
        settings.tlsKeyPath = pki.serverKey
        var logger = Logger(label: "fathom-bench.daemon-receiver")
        logger.logLevel = .critical
        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger)
        let outcome: Result<Int, any Error>
        do {
            outcome = .success(
                try await measureDaemon(
                    port: receiver.port, caFile: pki.caCertificate, scratch: scratch.path,
                    stored: settings.dataDirectory + "/bench"))
        } catch {
            outcome = .failure(error)
        }
        await receiver.stop()
        return try outcome.get()
    }

    /// Starts `fathom-agent run` and reads its memory once the receiver stored enough samples.
    private func measureDaemon(port: Int, caFile: String, scratch: String, stored: String) async throws -> Int {
        let daemon = try BackgroundProcess(
            [
                agentPath, "run", "--receiver", "https://127.0.0.1:\(port)", "--cluster", "bench",
                "--password-file", scratch + "/password", "--ca-file", caFile, "--spool-dir", scratch + "/spool",
                "--interval", "1", "--send-window", "0",
            ], name: "agent", in: scratch)
        defer { daemon.kill() }
        // Aligned 1 s ticks: the tenth sample is taken and sent within 11 s of the start.
        let deadline = ContinuousClock.now + .seconds(30)
        var delivered = 0
        // The TLS relays the daemon starts for its HTTPS connections (`fathom-agent tls-relay`,
        // alive only while a delivery pass sends): the largest peak RSS seen, printed beside the bars.
        var relayPeakKiB = 0
        var relaysSeen = Set<Int32>()
        var lastCount = ContinuousClock.now
        while ContinuousClock.now < deadline, daemon.isRunning {
            for child in ProcessTable.children(of: daemon.pid) {
                guard let peak = ProcessTable.kib("VmHWM:", of: child) else { continue }
                relaysSeen.insert(child)
                relayPeakKiB = max(relayPeakKiB, peak)
            }
            if lastCount.duration(to: .now) >= .milliseconds(200) {
                lastCount = .now
                delivered = Self.deliveredSamples(in: stored)
                if delivered >= Self.daemonSamples { break }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        guard daemon.isRunning else {
            throw Subprocess.Failure(description: "fathom-agent run \(daemon.exitDescription): \(daemon.errors)")
        }
        guard delivered >= Self.daemonSamples else {
            throw Subprocess.Failure(description: "only \(delivered) samples delivered in 30 s: \(daemon.errors)")
        }
        let rss = ProcessTable.kib("VmRSS:", of: daemon.pid)
        let pss = ProcessTable.kib("Pss:", of: daemon.pid, in: "smaps_rollup")
        guard let rss, let pss else { throw Subprocess.Failure(description: "no VmRSS/Pss for the daemon") }
        let rssMB = Double(rss) * 1024 / 1e6
        let pssMB = Double(pss) * 1024 / 1e6
        print("    fathom-agent run after \(delivered) delivered samples: RSS \(fmt(rssMB)) MB, PSS \(fmt(pssMB)) MB")
        print(
            "    its TLS relays (one per delivery pass, gone when the pass ends): \(relaysSeen.count) seen, "
                + "largest peak RSS \(fmt(Double(relayPeakKiB) * 1024 / 1e6)) MB")
        print(
            "    bar: daemon RSS \(fmt(rssMB)) MB (<= \(fmt(Self.daemonRSSBarMB, 0)) MB) \(verdict(rssMB <= Self.daemonRSSBarMB)); "
                + "PSS \(fmt(pssMB)) MB (<= \(fmt(Self.daemonPSSBarMB, 0)) MB) \(verdict(pssMB <= Self.daemonPSSBarMB))"
        )
        return (rssMB <= Self.daemonRSSBarMB ? 0 : 1) + (pssMB <= Self.daemonPSSBarMB ? 0 : 1)
    }

    /// Sample timestamps the receiver stored for the cluster: one per delivered sample.
    static func deliveredSamples(in directory: String) -> Int {
        var stamps = Set<Substring>()
        for file in FileManager.default.enumerator(atPath: directory)?.compactMap({ $0 as? String }) ?? []
        where file.hasSuffix(".csv") {
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                if let field = line.split(separator: ",").first(where: { $0.hasPrefix("time=") }) {
                    stamps.insert(field)
                }
            }
        }
        return stamps.count
    }

    /// The executable's size once stripped (a stripped copy; the build output is left alone).
    private func sizeBar() throws -> Int {
        let scratch = TempDirectory.benchScratch("fathom-bench-size")
        defer { scratch.remove() }
        let copy = scratch.path + "/fathom-agent"
        try Subprocess.runQuietly("/usr/bin/strip", ["-o", copy, agentPath])
        let attributes = try FileManager.default.attributesOfItem(atPath: copy)
        let bytes = (attributes[.size] as? NSNumber)?.doubleValue ?? 0
        let megabytes = bytes / 1e6
        print(
            "    bar: executable stripped \(fmt(megabytes)) MB (<= \(fmt(Self.sizeBarMB, 0)) MB) "
                + verdict(megabytes <= Self.sizeBarMB))
        return megabytes <= Self.sizeBarMB ? 0 : 1
    }
}
