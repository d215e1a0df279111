import FathomAgent
import FathomTestSupport
import Glibc
import Testing

/// Answers are timed by the kernel's receive stamp, not by when the process got round to
/// reading them: an echo to loopback read 300 ms after it was answered still measures well under
/// that. Real sockets on the host's loopback (datagram where the group range admits us, raw
/// otherwise; as root one of them always opens).
@Suite(.timeLimit(.minutes(1))) struct RTTReceiveStampTests {
    @Test(arguments: [(AF_INET, "127.0.0.1"), (AF_INET6, "::1")])
    func aLateReadDoesNotLengthenTheRoundtrip(family: Int32, address: String) async throws {
        let socket: PingSocket
        do {
            socket = try PingSocket.open(family: family, ttl: nil)
        } catch {
            try Prerequisite.unavailable("no ICMP socket here: \(error)", test: "RTTReceiveStampTests")
            return
        }
        defer { socket.close() }
        let dest = try IPSocketAddress.resolve(address, family: family == AF_INET ? 4 : 6)
        // The kernel switches receive stamps on for the system in deferred work after the first
        // socket asks; a packet that arrives before has none and is stamped when read.
        try await Task.sleep(for: .milliseconds(100))
        let sent = ContinuousClock.now
        #expect(socket.send(to: dest, sequence: 1, payloadLength: 56) == nil)
        try await Task.sleep(for: .milliseconds(300))
        let replies = socket.receive().filter {
            if case .reply(let seq, _, _) = $0.answer { return seq == 1 }
            return false
        }
        let reply = try #require(replies.first, "no echo reply from \(address)")
        let measured = sent.duration(to: reply.at)
        #expect(
            measured >= .zero && measured < .milliseconds(100),
            "\(measured) on a \(socket.kind.rawValue) for a reply read after 300 ms")
    }
}
