import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import Synchronization
import Testing

/// SIGKILL the receiver while eight hosts upload interface samples (50 interfaces each, one batch
/// per sample, as agents' spools send them). After the restart no high-water mark is past stored
/// data; each host then resends from its first unacknowledged batch, as its spool would, and the
/// stored series has no gap and no step twice.
@Suite(.serialized, .timeLimit(.minutes(3))) struct InterfaceCrashTests {
    static let hosts = 8
    static let interfaces = 50
    static let start: Int64 = 1_790_000_010

    static func body(host: Int, step: Int) -> String {
        (0..<interfaces).map { i in
            var c = InterfaceRecord.Counters()
            c.rxBytes = UInt64(step) * 30_000 + UInt64(i)
            c.txBytes = UInt64(step) * 15_000
            return InterfaceRecord(
                time: start + 30 * Int64(step), bootTime: 1_789_000_000, host: "n\(host)", name: "eth\(i)",
                index: i + 2, operState: "up", adminUp: true, speedMbps: 1000, mtu: 1500, macAddress: nil, alias: "",
                counters: c
            ).line
        }.joined(separator: "\n") + "\n"
    }

    @Test func killDuringInterfaceUploadsLeavesNoMarkPastDataAndNoGapAfterResend() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let acknowledged = AcknowledgedSteps(hosts: Self.hosts)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for h in 0..<Self.hosts {
                group.addTask {
                    for step in 0..<2000 {
                        guard
                            let reply = try? await f.client.send(
                                f.url("/interfaces"), user: "fox", password: "fox-secret",
                                body: Self.body(host: h, step: step), headers: [("Fathom-Batch-Id", "n\(h)-\(step)")]),
                            reply.status == 200
                        else { return }
                        acknowledged.steps.withLock { $0[h] = step + 1 }
                    }
                }
            }
            group.addTask {
                for _ in 0..<600 where acknowledged.steps.withLock({ $0.reduce(0, +) }) < 80 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(150))
                f.receiver.killHard()
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.steps.withLock { $0 }
        #expect(acked.reduce(0, +) >= 80, "uploads were flowing when the receiver died: \(acked)")
        let back = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"))
        defer { back.stopLater(thenRemove: f.dir) }
        let store = try SQLiteInterfaceStore(path: SQLiteInterfaceStore.defaultPath(dataDirectory: f.data))
        for row in try await store.lifeCycle(cluster: "fox", host: nil) {
            let steps = try await store.rates(interfaceID: row.id, from: 0, to: Int64.max)
            let newest = steps.last?.time ?? row.activeFrom
            #expect(row.trafficUntil == newest && row.errorsUntil == newest && row.discardsUntil == newest, "\(row)")
            let host = Int(row.host.dropFirst())!
            #expect(newest >= Self.start + 30 * Int64(acked[host] - 1), "an acknowledged sample is stored: \(row)")
        }
        // Each host's spool resends from the batch whose answer it never got, then goes on.
        let last = acked.max()! + 3
        try await withThrowingTaskGroup(of: Void.self) { group in
            for h in 0..<Self.hosts {
                group.addTask {
                    for step in acked[h]...last {
                        let reply = try await f.client.send(
                            back.baseURL + "/interfaces?cluster=fox", user: "fox", password: "fox-secret",
                            body: Self.body(host: h, step: step), headers: [("Fathom-Batch-Id", "n\(h)-\(step)")])
                        #expect(reply.status == 200, "\(reply.body)")
                    }
                }
            }
            try await group.waitForAll()
        }
        await back.stop()
        let rows = try await store.lifeCycle(cluster: "fox", host: nil)
        #expect(rows.count == Self.hosts * Self.interfaces && rows.allSatisfy { $0.activeUntil == nil })
        let expected = (1...last).map { Self.start + 30 * Int64($0) }
        for row in rows {
            let steps = try await store.rates(interfaceID: row.id, from: 0, to: Int64.max)
            #expect(steps.map(\.time) == expected, "\(row.host)/\(row.name): gap or step twice")
            #expect(steps.allSatisfy { $0.rxBytes == 1000 && $0.txBytes == 500 }, "\(row.host)/\(row.name)")
            #expect(row.trafficUntil == expected.last)
        }
    }
}

/// Per host, how many consecutive interface batches the receiver acknowledged.
final class AcknowledgedSteps: Sendable {
    let steps: Mutex<[Int]>

    init(hosts: Int) { steps = Mutex(Array(repeating: 0, count: hosts)) }
}
