import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// The agent and the receiver as separate processes talking HTTPS on loopback.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentDeliveryTests {
    /// Every stored sample line of the cluster, parsed.
    func storedRecords(_ f: ReceiverFixture) throws -> [[String: String]] {
        var records: [[String: String]] = []
        for (path, text) in storedFiles(f.data, cluster: "fox") where path.hasSuffix(".csv") {
            #expect(text.hasSuffix("\n"), "no torn last line in \(path)")
            for line in text.split(separator: "\n") {
                let fields = try FreeCSV.parse(line)
                records.append(Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
            }
        }
        return records
    }

    @Test func onceSamplesAndDeliversOverTLS() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let result = try await agent.once()
        #expect(result.status == 0, "agent once failed: \(result.stderr)")
        #expect(result.stdout.contains("delivered 2 batches, 0 remain"))
        #expect(agent.spooledBatchCount == 0, "acknowledged batches leave the spool")
        let records = try storedRecords(f)
        var buffer = [UInt8](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        #expect(records.count > 5)
        for r in records {
            #expect(r["v"] == "0.12.2")
            #expect(r["host"] == host)
            #expect(r["time"].flatMap { SonarTimestamp.parse($0[...]) } != nil)
            #expect(r["user"] != nil && r["cmd"] != nil)
        }
        #expect(Set(records.map { $0["time"]! }).count == 1, "one sample shares one timestamp")
        // The test process itself is in the sample, with its real parent.
        let me = records.first { $0["pid"] == String(getpid()) }
        #expect(me?["ppid"] == String(getppid()))
        let sysinfo = storedFiles(f.data, cluster: "fox").filter { $0.key.contains("/sysinfo-") }
        #expect(sysinfo.count == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(sysinfo.values.first!.utf8)) as? [String: Any]
        #expect((decoded?["cpu_cores"] as? Int ?? 0) >= 1)
    }

    @Test func wrongPasswordKeepsTheSpoolAndWritesNothing() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f, password: "not-the-password")
        let result = try await agent.once(extra: ["--attempts", "1"])
        #expect(result.status != 0)
        #expect(agent.spooledBatchCount == 2)
        #expect(storedFiles(f.data, cluster: "fox").isEmpty)
        #expect(f.receiver.log.contains("Unauthorized"))
    }

    @Test func receiverDownThenUpDeliversEverythingExactlyOnce() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let port = f.receiver.port
        await f.receiver.stop()
        let agent = try AgentRun(fixture: f)
        let down1 = try await agent.once(extra: ["--attempts", "1"])
        // A refused connection fails at once, so wait past the second the first sample is stamped
        // with: the two samples must be told apart by their time.
        try await Task.sleep(for: .milliseconds(1100))
        let down2 = try await agent.once(extra: ["--attempts", "1"])
        #expect(down1.status != 0 && down2.status != 0)
        #expect(agent.spooledBatchCount == 4, "two samples and two sysinfo reports wait in the spool")
        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"), port: port)
        defer { back.stopLater(thenRemove: f.dir) }
        let up = try await agent.once(extra: ["--no-sample"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("delivered 4 batches, 0 remain"))
        // A further delivery finds nothing to resend.
        let again = try await agent.once(extra: ["--no-sample"])
        #expect(again.stdout.contains("delivered 0 batches"))
        await back.stop()
        let records = try storedRecords(f)
        let times = Set(records.map { $0["time"]! })
        #expect(times.count == 2, "both samples arrived")
        // Exactly once: no (time, pid) pair twice.
        let keys = records.compactMap { r in r["pid"].map { r["time"]! + "/" + $0 } }
        #expect(keys.count == Set(keys).count)
        let sysinfoText = storedFiles(f.data, cluster: "fox").filter { $0.key.contains("/sysinfo-") }.values.joined()
        #expect(sysinfoText.split(separator: "\n").count == 2)
    }

    @Test func daemonSamplesOnScheduleAndStopsCleanly() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let process = Process()
        let args = agent.arguments("run", extra: ["--interval", "1", "--send-window", "0.3"])
        process.executableURL = URL(fileURLWithPath: args[0])
        process.arguments = Array(args.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var times = Set<String>()
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            times = Set(try storedRecords(f).map { $0["time"]! })
            if times.count >= 3 { break }
        }
        await process.end(grace: .seconds(60))
        #expect(times.count >= 3, "samples every second should arrive")
        #expect(process.terminationStatus == 0)
    }
}

extension AgentDeliveryTests {
    @Test func batchTheReceiverRefusesIsQuarantinedNotLost() async throws {
        let f = try await ReceiverFixture(maxBodyBytes: 400)
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let result = try await agent.once()
        #expect(result.status != 0, "a refused batch is not 'all acknowledged'")
        #expect(result.stdout.contains("1 quarantined"))
        let quarantined = (try? FileManager.default.contentsOfDirectory(atPath: agent.spool + "/quarantine")) ?? []
        #expect(
            quarantined.contains { !$0.hasSuffix(".reason") && !$0.hasPrefix(".") },
            "the sample batch is kept for an operator")
        #expect(f.receiver.log.contains("Upload too large"))
    }
}
