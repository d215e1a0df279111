import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// A sample batch the real receiver refuses with 400 (not free CSV) is moved to
/// `spool/quarantine/` by the real `fathom-agent once`, which logs the receiver's status and
/// reason, and the good batch beside it is delivered: nothing is lost, nothing retried for ever.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentQuarantineTests {
    @Test func sampleBatchRefusedWith400IsQuarantinedAndItsReasonLogged() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let spool = try SpoolDirectory(path: agent.spool, maxBytes: 1 << 20)
        let bad = Array("this line is not a sonar free-CSV record\n".utf8)
        try spool.append(kind: UploadKind.samples.rawValue, payload: bad, recordCount: 1)
        let good = sampleLine(cmd: "kept") + "\n"
        try spool.append(kind: UploadKind.samples.rawValue, payload: Array(good.utf8), recordCount: 1)

        let result = try await agent.once(extra: ["--no-sample", "--attempts", "1"])
        #expect(result.status != 0, "a refused batch is not 'all acknowledged'")
        #expect(result.stdout.contains("1 quarantined"), "\(result.stdout) \(result.stderr)")
        #expect(agent.spooledBatchCount == 0, "neither batch is left to retry")
        let quarantine = agent.spool + "/quarantine"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []
        let kept = names.filter { !$0.hasPrefix(".") }
        #expect(kept.count == 1, "\(names)")
        let keptBytes =
            try kept.first.map { try Data(contentsOf: URL(fileURLWithPath: quarantine + "/" + $0)) } ?? Data()
        #expect(keptBytes.range(of: Data(bad)) != nil, "the refused payload is kept whole for an operator")
        #expect(
            result.stderr.contains("quarantined spool file") && result.stderr.contains("HTTP 400"), "\(result.stderr)")
        #expect(
            storedFiles(f.data, cluster: "fox").values.joined() == good,
            "the good batch is stored, nothing of the bad one")
    }
}
