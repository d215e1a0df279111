import FathomTestSupport
import Foundation
import Testing

/// `NetnsPath` (the shared namespace builder): with two routers, tracepath from the client lists
/// the hops the layout promises in both families (so every router and the server route back),
/// at once, and `remove()` leaves no namespace behind. Where namespaces cannot be made (EPERM)
/// it goes through `Prerequisite.unavailable` (a failure under `FATHOM_REQUIRE_ALL=1`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct NetnsPathTests {
    @Test func twoRouterPathRoutesBothFamiliesAndCleansUp() async throws {
        guard let tracepath = TraceReferenceTools.tracepath else {
            try Prerequisite.unavailable("no tracepath (apt-get install -y iputils-tracepath)")
            return
        }
        let made = try await Self.makePath(routers: 2)
        guard let path = made else { return }
        defer { path.remove() }
        #expect(path.namespaces.count == 4)
        #expect(path.hopAddresses() == ["10.10.1.1", "10.10.2.2", "10.10.3.2"])
        #expect(path.hopAddresses(ipv6: true) == ["fd00:1::1", "fd00:2::2", "fd00:3::2"])
        for v6 in [false, true] {
            // Timed by a shell around tracepath, so a stall of this test process is not counted.
            let (out, seconds) = try await Shell.timedRun(
                path.command(in: path.client, [tracepath, "-n", path.serverAddress(ipv6: v6)]))
            #expect(
                TraceReferenceTools.parseTracepath(out.stdout).hops == path.hopAddresses(ipv6: v6),
                "\(out.stdout)\(out.stderr)")
            // Usable at once: no first packet held back by address or neighbour discovery (1 s
            // per family). A functional bound with a wide margin for a loaded machine: tracepath's
            // own timeout per hop is 1 s, so a held-back packet on each of 3 hops shows as > 3 s.
            #expect(seconds < 3, "\(seconds) s: \(out.stdout)")
        }
        path.remove()
        let listed = try await Shell.run([NetnsPath.ipCommand ?? "ip", "netns", "list"]).stdout
        let names = Set(listed.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(names.isDisjoint(with: path.namespaces), "left behind: \(listed)")
    }

    /// The path, or nil (after `Prerequisite.unavailable`) where namespaces cannot be made here.
    private static func makePath(routers: Int, test: String = #function) async throws -> NetnsPath? {
        do {
            return try NetnsPath.make(routers: routers)
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            try Prerequisite.unavailable(reason, test: test)
            return nil
        }
    }
}
