import FathomReceiver
import FathomTestSupport
import Foundation
import Testing

/// A real `fathom-agent run` watching a network namespace's interfaces while the test adds a veth
/// pair to it, sends a known number of bytes through it and deletes it: the receiver's life-cycle
/// table opens and closes the interface's row within one sampling interval of those events, and
/// the stored rates account for the bytes sent within 5 %.
///
/// The agent and the receiver both run inside the client namespace (`ip netns exec`, which also
/// gives them that namespace's /sys): the agent reads its links over rtnetlink and its speeds and
/// device paths from /sys, and delivers to the receiver over the namespace's own loopback.
@Suite(.serialized, .timeLimit(.minutes(3))) struct InterfaceNamespaceTests {
    static let interval: Int64 = 2

    @Test func vethAddedLoadedAndDeletedShowsInTheLifeCycleTableAndRates() async throws {
        let path: NetnsPath
        do {
            path = try NetnsPath.make(routers: 0)
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            try Prerequisite.unavailable(reason)
            return
        }
        defer { path.remove() }
        let ip = NetnsPath.ipCommand ?? "ip"
        let f = try await ReceiverFixture(wrapper: [ip, "netns", "exec", path.client])
        // Stopped before its namespace goes, even when an expectation below ends the test early.
        defer { f.close() }
        let config =
            try AgentDaemonProcess.config(f, cluster: "fox", interval: 3600)
            + "\n[interfaces]\ninterval = \(Self.interval)\ninclude = [\"vtest*\", \"lo\"]\nexclude = []\n"
        let agent = try AgentDaemonProcess(fixture: f, config: config, wrapper: [ip, "netns", "exec", path.client])
        defer { agent.stopLater() }
        try await Task.sleep(for: .seconds(3))

        let added = Self.now()
        try path.ip(
            "link", "add", "vtest0", "netns", path.client, "type", "veth", "peer", "name", "vtest1", "netns",
            path.server)
        try path.exec(path.client, "ip", "addr", "add", "10.77.0.2/24", "dev", "vtest0")
        try path.exec(path.server, "ip", "addr", "add", "10.77.0.1/24", "dev", "vtest1")
        for (namespace, device) in [(path.client, "vtest0"), (path.server, "vtest1")] {
            try path.exec(namespace, "ip", "link", "set", device, "mtu", "9000", "up")
        }
        try await Task.sleep(for: .seconds(3))
        // 2,400 datagrams of 8,000 bytes over about 8 s, from the server's end to the client's.
        let sender = """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            payload = b"x" * 8000
            start = time.monotonic()
            for i in range(2400):
                s.sendto(payload, ("10.77.0.2", 9))
                delay = start + i / 300 - time.monotonic()
                if delay > 0: time.sleep(delay)
            """
        let sent = try await Shell.run(path.command(in: path.server, ["/usr/bin/python3", "-c", sender]))
        #expect(sent.status == 0, "\(sent.stderr)")
        let sentBytes = 2400.0 * 8000
        try await Task.sleep(for: .seconds(3))
        let deleted = Self.now()
        try path.exec(path.client, "ip", "link", "del", "vtest0")

        let store = try SQLiteInterfaceStore(path: SQLiteInterfaceStore.defaultPath(dataDirectory: f.data))
        var row: InterfaceLifeCycleRow?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            row = try await store.lifeCycle(cluster: "fox", host: nil).first { $0.name == "vtest0" }
            if row?.activeUntil != nil { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let vtest = try #require(row, "no vtest0 row; agent log: \(agent.log.suffix(2000))")
        let tolerance = Self.interval + 1
        #expect(vtest.activeFrom >= added && vtest.activeFrom <= added + tolerance, "added \(added): \(vtest)")
        let until = try #require(vtest.activeUntil, "\(vtest)")
        #expect(until >= deleted && until <= deleted + tolerance, "deleted \(deleted): \(vtest)")
        #expect(vtest.trafficUntil.map { $0 < until && $0 >= until - tolerance } == true, "\(vtest)")
        let steps = try await store.rates(interfaceID: vtest.id, from: 0, to: Int64.max)
        let received = steps.reduce(0.0) { $0 + ($1.rxBytes ?? 0) * Double($1.seconds) }
        #expect(steps.allSatisfy { $0.rxBytes != nil }, "no step lost to a false reset")
        // Each 8,000-byte datagram arrives as an 8,042-byte frame (Ethernet, IP and UDP headers).
        #expect(abs(received - sentBytes) / sentBytes < 0.05, "received \(received) of \(sentBytes) sent")
        let lo = try await store.lifeCycle(cluster: "fox", host: nil).first { $0.name == "lo" }
        #expect(lo?.activeUntil == nil, "the host kept reporting")
        await agent.stop()
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
