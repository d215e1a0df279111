import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// The fleet page and `/fleet.json` of a real receiver over TLS, fed by the real agent, read by a
/// real headless Chromium.
@Suite(.serialized, .timeLimit(.minutes(4))) struct FleetPageTests {
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    struct FleetJSON: Decodable {
        struct Cluster: Decodable {
            var name: String
            var online: Int
            var late: Int
            var silent: Int
            var hosts: [Host]
        }
        struct Host: Decodable {
            var host: String
            var state: String
            var cadenceSeconds: Int
            var cadenceSource: String
            var cores: Int?
            var memoryGB: Int?
            var agentVersion: String?
            var backlogBatches: Int?
            var backlogBytes: Int?
            var lastSample: String?
        }
        var clusters: [Cluster]
    }

    func fleet(
        _ f: ReceiverFixture, user: String = "ops", password: String = "ops-secret", query: String = "",
        receiver: ReceiverProcess? = nil
    ) async throws -> FleetJSON {
        let reply = try await f.client.send(
            (receiver ?? f.receiver).baseURL + "/fleet.json" + query, method: .GET, contentType: nil, user: user,
            password: password)
        guard reply.status == 200 else { throw TestFailure("fleet.json: \(reply.status) \(reply.body)") }
        return try JSONDecoder().decode(FleetJSON.self, from: Data(reply.body.utf8))
    }

    /// Polls `/fleet.json` until `host` has `state` (or the deadline passes); returns the last view.
    func waitFor(_ f: ReceiverFixture, host: String, state: String, seconds: Double) async throws -> FleetJSON {
        let deadline = Date().addingTimeInterval(seconds)
        var view = try await fleet(f)
        while Date() < deadline {
            if view.clusters.flatMap(\.hosts).contains(where: { $0.host == host && $0.state == state }) { return view }
            try await Task.sleep(for: .milliseconds(250))
            view = try await fleet(f)
        }
        return view
    }

    @Test func agentVersionBacklogAndSysinfoReachTheFleetAndSurviveARestart() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let result = try await agent.once()
        #expect(result.status == 0, "agent once: \(result.stderr)")
        let view = try await fleet(f)
        let host = try #require(view.clusters.first { $0.name == "fox" }?.hosts.first { $0.host == Self.hostName })
        #expect(host.agentVersion == FathomVersion.string)
        // `once` spools sysinfo then a sample and sends them oldest first: the last upload had 1 left.
        #expect(host.backlogBatches == 1 && (host.backlogBytes ?? 0) > 0)
        #expect((host.cores ?? 0) >= 1 && host.memoryGB != nil)
        #expect(host.lastSample != nil)
        #expect(host.state == "online" && host.cadenceSource == "assumed" && host.cadenceSeconds == 300)

        // A clean stop saves the registry; a new receiver on the same data directory shows the host.
        await f.receiver.stop()
        let again = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"))
        defer { again.stopLater(thenRemove: f.dir) }
        let reloaded = try await fleet(f, receiver: again)
        let same = try #require(reloaded.clusters.first { $0.name == "fox" }?.hosts.first { $0.host == Self.hostName })
        #expect(same.agentVersion == FathomVersion.string && same.backlogBatches == 1 && same.cores == host.cores)
    }

    @Test func usersSeeOnlyTheirClustersAndOthersAreForbidden() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        for (cluster, password, host) in [("fox", "fox-secret", "c1"), ("saga", "saga-secret", "s1")] {
            let reply = try await f.client.send(
                f.url("/sonar-freecsv", cluster: cluster), user: cluster, password: password,
                body: sampleLine(host: host) + "\n")
            #expect(reply.status == 200)
        }
        let ops = try await fleet(f)
        #expect(ops.clusters.map(\.name) == ["fox", "saga"])
        let fox = try await fleet(f, user: "fox", password: "fox-secret")
        #expect(fox.clusters.map(\.name) == ["fox"])
        #expect(fox.clusters[0].hosts.map(\.host) == ["c1"])
        let onlySaga = try await fleet(f, query: "?cluster=saga")
        #expect(onlySaga.clusters.map(\.name) == ["saga"])
        for path in ["/fleet.json?cluster=saga", "/fleet?cluster=saga"] {
            let forbidden = try await f.client.send(
                f.receiver.baseURL + path, method: .GET, contentType: nil, user: "fox", password: "fox-secret")
            #expect(forbidden.status == 403, "\(path)")
        }
        for path in ["/fleet", "/fleet.json"] {
            let anonymous = try await f.client.send(f.receiver.baseURL + path, method: .GET, contentType: nil)
            #expect(anonymous.status == 401, "\(path)")
            let wrong = try await f.client.send(
                f.receiver.baseURL + path, method: .GET, contentType: nil, user: "fox", password: "nope")
            #expect(wrong.status == 401, "\(path)")
        }
    }

    @Test func chromiumShowsTheRunningAgentOnlineAndSilentAfterItStops() async throws {
        // fox's hosts are expected every 3 s: late after 4.5 s without an upload, silent after 10.5 s.
        let f = try await ReceiverFixture(flags: ["--fleet-cadence", "fox=3"])
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: Shell.binDirectory + "/fathom-agent")
        daemon.arguments = Array(agent.arguments("run", extra: ["--interval", "1", "--send-window", "0"]).dropFirst())
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate() } }
        let host = Self.hostName
        let page = "https://ops:ops-secret@127.0.0.1:\(f.receiver.port)/fleet"

        let running = try await waitFor(f, host: host, state: "online", seconds: 60)
        #expect(running.clusters.first { $0.name == "fox" }?.hosts.first { $0.host == host }?.state == "online")
        let liveDOM = try await HeadlessChromium.dumpDOM(page)
        #expect(
            HeadlessChromium.hostStates(liveDOM)[host] == "online",
            "the page while the agent runs:\n\(liveDOM.prefix(3000))")
        #expect(liveDOM.contains("<h2>fox</h2>"))

        await daemon.end(grace: .seconds(60))
        let stopped = try await waitFor(f, host: host, state: "silent", seconds: 60)
        let fox = try #require(stopped.clusters.first { $0.name == "fox" })
        #expect(fox.hosts.first { $0.host == host }?.state == "silent")
        #expect(fox.silent == 1 && fox.online == 0)
        let silentDOM = try await HeadlessChromium.dumpDOM(page)
        #expect(
            HeadlessChromium.hostStates(silentDOM)[host] == "silent",
            "the page after the agent stopped:\n\(silentDOM.prefix(3000))")
        #expect(silentDOM.contains(#"<span class="badge silent">silent</span>"#))
    }
}
