import FathomShared
import FathomTestSupport
import Foundation
import Synchronization
import Testing

/// SIGKILL the receiver in the middle of a burst of concurrent uploads: every acknowledged line
/// must be on disk after a restart, and no stored line may be torn.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CrashSafetyTests {
    @Test func killDuringBurstLosesNoAcknowledgedLine() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let acknowledged = AcknowledgedLines()
        let clients = 16
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<clients {
                group.addTask {
                    for u in 0..<400 {
                        // ~8 KiB per upload so the kill lands while data is being written.
                        let lines = (0..<40).map { k in
                            sampleLine(
                                host: "n\(c)", cmd: "u\(u)-k\(k)-" + String(repeating: "x", count: 100), pid: 1000 + k)
                        }
                        let body = lines.joined(separator: "\n") + "\n"
                        guard
                            let r = try? await f.client.send(
                                f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: body),
                            r.status == 200
                        else { return }
                        acknowledged.lines.withLock { $0 += lines }
                    }
                }
            }
            group.addTask {
                // Kill once uploads are flowing (a loaded machine may need a while for 16 TLS
                // handshakes), then a moment later so the kill lands mid-burst.
                for _ in 0..<400 where acknowledged.lines.withLock({ $0.count }) < 400 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(300))
                f.receiver.killHard()
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.lines.withLock { $0 }
        #expect(acked.count > 0, "some uploads must have been acknowledged before the kill")
        // Restart and touch every host file once more: a torn tail (if any) is cut on reopen.
        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"))
        defer { back.stopLater(thenRemove: f.dir) }
        for c in 0..<clients {
            let r = try await f.client.send(
                back.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "fox-secret",
                body: sampleLine(host: "n\(c)", cmd: "after-restart") + "\n")
            #expect(r.status == 200)
        }
        await back.stop()
        var stored: [String: Int] = [:]
        for (_, text) in storedFiles(f.data, cluster: "fox") {
            #expect(text.hasSuffix("\n"))
            for line in text.split(separator: "\n") {
                #expect((try? FreeCSV.parse(line)) != nil, "torn or corrupt line: \(line.prefix(80))")
                stored[String(line), default: 0] += 1
            }
        }
        let missing = acked.filter { stored[$0] == nil }
        #expect(missing.isEmpty, "\(missing.count) acknowledged lines missing")
        #expect(acked.allSatisfy { stored[$0] == 1 })
    }
}

/// Lines the receiver acknowledged, collected from concurrent clients.
final class AcknowledgedLines: Sendable {
    let lines = Mutex<[String]>([])
}
