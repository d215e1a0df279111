import FathomTestSupport
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `hostile` section: the receiver runs under `prlimit --nofile=N` with a connection cap above N,
/// and more raw TCP connections than it has descriptors are opened, so `accept` fails with EMFILE.
/// Prints the receiver's CPU while descriptors stay exhausted (a spinning accept loop burns a
/// whole core) and whether `/ping` answers again once the connections are gone.
enum HostileDescriptors {
    static let cpuBarPercent = 10.0

    static func run(scratch: TempDirectory, nofile: Int, connections: Int, seconds: Double) async throws {
        print(
            "-- descriptors exhausted: receiver under prlimit --nofile=\(nofile), \(connections) idle TCP connections, "
                + "CPU over \(fmt(seconds, 1)) s --")
        let child = try ReceiverChild.start(
            in: scratch, name: "emfile", credentials: "fox:fox-secret\n",
            flags: ["--max-connections", "1000000", "--handshake-timeout", "120", "--idle-timeout", "120"],
            nofile: nofile)
        defer { child.stop() }
        var flood: [any Channel] = []
        for _ in 0..<connections {
            let connected = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(host: "127.0.0.1", port: child.port).get()
            if let connected { flood.append(connected) }
        }
        try await Task.sleep(for: .seconds(1))
        let exhausted = child.log.contains("out of file descriptors")
        let before = child.cpuSeconds() ?? 0
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        let cpuPercent = ((child.cpuSeconds() ?? 0) - before) / seconds * 100
        print(
            "connected: \(flood.count); receiver reported EMFILE: \(exhausted ? "yes" : "no"); "
                + "receiver CPU while exhausted: \(fmt(cpuPercent, 1))% of one core")

        for channel in flood { try? await channel.close() }
        let probe = try HTTPProbe(caPath: child.caPath)
        let closedAt = ContinuousClock.now
        var recoveredAfter: Double?
        while recoveredAfter == nil, ContinuousClock.now - closedAt < .seconds(30) {
            if (try? await probe.ping(child.baseURL)) == 200 {
                recoveredAfter = (ContinuousClock.now - closedAt).seconds
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        await probe.shutdown()
        print(
            "/ping after the connections closed: "
                + (recoveredAfter.map { "answered after \(fmt($0, 2)) s" } ?? "no answer within 30 s"))
        print(
            "bar: CPU <= \(fmt(cpuBarPercent, 0))% while exhausted: \(fmt(cpuPercent, 1))% "
                + verdict(exhausted && cpuPercent <= cpuBarPercent) + (exhausted ? "" : " (descriptors never ran out)"))
        print("bar: /ping recovers: \(verdict(recoveredAfter != nil))")
    }
}
