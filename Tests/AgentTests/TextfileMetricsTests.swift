import FathomShared
import Foundation
import Logging
import Testing

@testable import FathomAgent

@Suite(.timeLimit(.minutes(1))) struct TextfileMetricsTests {
    @Test func textfileReflectsSpoolAndCountersAndReplacesTheFileWhole() throws {
        let dir = SpoolTestDirectory()
        let spool = try SpoolDirectory(path: dir.spoolPath, maxBytes: 1 << 20, logger: Logger(label: "test"))
        _ = try spool.append(kind: "sonar-freecsv", payload: Array("a\n".utf8), recordCount: 1)
        _ = try spool.append(kind: "sonar-freecsv", payload: Array("b\n".utf8), recordCount: 1)
        let metrics = AgentMetrics()
        metrics.delivered(at: 1_764_000_000)
        metrics.sampled(durationSeconds: 0.25)
        metrics.testRun(succeeded: true)
        metrics.testRun(succeeded: false)
        metrics.testRun(succeeded: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/metrics", withIntermediateDirectories: true)
        dir.write("metrics/keep", [])
        let path = dir.path + "/metrics/fathom.prom"
        let writer = TextfileMetricsWriter(path: path, cluster: "fox \"a\"")
        try writer.write("old contents\n")
        try writer.write(metrics.snapshot, spool: spool)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let bytes = try spool.pending().reduce(0) { $0 + $1.fileSize }
        #expect(text.contains("fathom_agent_spool_batches{cluster=\"fox \\\"a\\\"\"} 2\n"))
        #expect(text.contains("fathom_agent_spool_bytes{cluster=\"fox \\\"a\\\"\"} \(bytes)\n"))
        #expect(text.contains("fathom_agent_delivered_batches_total{cluster=\"fox \\\"a\\\"\"} 1\n"))
        #expect(text.contains("fathom_agent_last_delivery_timestamp_seconds{cluster=\"fox \\\"a\\\"\"} 1764000000\n"))
        #expect(text.contains("fathom_agent_sample_duration_seconds{cluster=\"fox \\\"a\\\"\"} 0.25\n"))
        #expect(text.contains("fathom_agent_test_runs_total{cluster=\"fox \\\"a\\\"\",result=\"succeeded\"} 2\n"))
        #expect(text.contains("fathom_agent_test_runs_total{cluster=\"fox \\\"a\\\"\",result=\"failed\"} 1\n"))
        #expect(!text.contains("old contents"))
        #expect(dir.names(in: "metrics") == ["fathom.prom", "keep"], "no temporary file is left beside it")
        let previous = umask(0o077)
        try writer.write(metrics.snapshot, spool: spool)
        umask(previous)
        #expect(
            dir.mode("metrics/fathom.prom") & 0o777 == 0o644,
            "node_exporter (another user) can read it under UMask=0077")
    }

    @Test func textfilePassesPromtool() throws {
        let dir = SpoolTestDirectory()
        let metrics = AgentMetrics()
        metrics.delivered(at: 1_764_000_000.5)
        metrics.sampled(durationSeconds: 0.012)
        let text = TextfileExposition.render(
            metrics.snapshot, spool: .init(batches: 3, bytes: 4096, droppedBatches: 1), cluster: "fox")
        dir.write("fathom.prom", Array(text.utf8))
        let promtool = Process()
        promtool.executableURL = URL(fileURLWithPath: "/bin/sh")
        promtool.arguments = ["-c", "promtool check metrics < '\(dir.path)/fathom.prom' 2>&1"]
        let out = Pipe()
        promtool.standardOutput = out
        try promtool.run()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        promtool.waitUntilExit()
        #expect(promtool.terminationStatus == 0, "promtool check metrics: \(said)\n\(text)")
    }

    @Test func metricsTextfileMustEndInProm() throws {
        let ok = try AgentSettingsFile.parse(
            "[metrics]\ntextfile = \"/var/lib/prometheus/node-exporter/fathom.prom\"\n", fileName: "a")
        #expect(ok.metricsTextfile == "/var/lib/prometheus/node-exporter/fathom.prom")
        #expect(throws: ConfigError.self) {
            try AgentSettingsFile.parse("[metrics]\ntextfile = \"/tmp/fathom.txt\"\n", fileName: "a")
        }
    }
}
