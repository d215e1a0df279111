import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// `POST /interfaces` on the real receiver: the agent's `once` delivers its interface sample, the
/// store holds it; refusals and replays answer as the sample uploads do.
@Suite(.serialized, .timeLimit(.minutes(3))) struct InterfaceIngestTests {
    @Test func agentOnceDeliversInterfaceSamplesIntoTheLifeCycleTableWithRates() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        try f.dir.write("agent.toml", "[interfaces]\nvirtual = true\nexclude = []\n")
        let config = ["--config", f.dir.file("agent.toml")]
        let first = try await agent.once(extra: config)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        // The next sample must fall in a later second to be a new step.
        try await Task.sleep(for: .milliseconds(1100))
        let second = try await agent.once(extra: config)
        #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
        let store = try SQLiteInterfaceStore(path: SQLiteInterfaceStore.defaultPath(dataDirectory: f.data))
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
        let rows = try await store.lifeCycle(cluster: "fox", host: nil)
        let lo = try #require(rows.first { $0.name == "lo" }, "\(rows)")
        #expect(lo.host.hasPrefix(host) && lo.index == 1 && lo.activeUntil == nil)
        let rates = try await store.rates(interfaceID: lo.id, from: 0, to: Int64.max)
        #expect(rates.count == 1, "one step between the two samples")
        #expect(rates.first.map { ($0.rxBytes ?? -1) >= 0 && ($0.txBytes ?? -1) >= 0 } == true)
        #expect(lo.trafficUntil == rates.first?.time)
    }

    @Test func refusalsAndReplaysAnswerLikeSampleUploads() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let url = f.url("/interfaces")
        let good = InterfaceStoreTestsRecord.line("eth0", at: 1_700_000_030) + "\n"
        var reply = try await f.client.send(url, body: good)
        #expect(reply.status == 401)
        reply = try await f.client.send(
            f.url("/interfaces", cluster: "saga"), user: "fox", password: "fox-secret", body: good)
        #expect(reply.status == 403)
        reply = try await f.client.send(
            url, contentType: "application/json", user: "fox", password: "fox-secret", body: good)
        #expect(reply.status == 400)
        let bad = good + InterfaceStoreTestsRecord.line("eth1", at: 1_700_000_030) + "\nrxb=1\n"
        reply = try await f.client.send(url, user: "fox", password: "fox-secret", body: bad)
        #expect(reply.status == 400 && reply.body.contains("line 3"), "\(reply.body)")
        let batch = [("Fathom-Batch-Id", "b1")]
        reply = try await f.client.send(url, user: "fox", password: "fox-secret", body: good, headers: batch)
        #expect(reply.status == 200)
        let replay = InterfaceStoreTestsRecord.line("eth0", at: 1_700_000_060) + "\n"
        reply = try await f.client.send(url, user: "fox", password: "fox-secret", body: replay, headers: batch)
        #expect(reply.status == 200, "a replayed batch id is acknowledged")
        let store = try SQLiteInterfaceStore(path: SQLiteInterfaceStore.defaultPath(dataDirectory: f.data))
        let rows = try await store.lifeCycle(cluster: "fox", host: nil)
        #expect(rows.map(\.name) == ["eth0"], "nothing of the refused upload was stored")
        #expect(rows.first?.trafficUntil == 1_700_000_030, "the replay stored nothing")
    }
}

/// Record lines for the end-to-end uploads.
enum InterfaceStoreTestsRecord {
    static func line(_ name: String, at time: Int64) -> String {
        InterfaceRecord(
            time: time, bootTime: 1_700_000_000, host: "node1", name: name, index: 2, operState: "up", adminUp: true,
            speedMbps: 1000, mtu: 1500, macAddress: nil, alias: "", counters: InterfaceRecord.Counters()
        ).line
    }
}
