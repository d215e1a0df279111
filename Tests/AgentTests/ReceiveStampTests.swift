import FathomAgent
import FathomTestSupport
import Glibc
import Testing

/// Answers are timed by the kernel's receive stamp, not by when the process got round to
/// reading them: an rtt echo to loopback, and a trace probe's ICMP error from loopback, read
/// 300 ms after they arrived still measure well under that. Real sockets on the host's loopback
/// (for rtt a datagram socket where the group range admits us, raw otherwise; as root one of them
/// always opens).
@Suite(.timeLimit(.minutes(1))) struct ReceiveStampTests {
    @Test(arguments: [(AF_INET, "127.0.0.1"), (AF_INET6, "::1")])
    func aLateReadDoesNotLengthenTheRoundtrip(family: Int32, address: String) async throws {
        let socket: PingSocket
        do {
            socket = try PingSocket.open(family: family, ttl: nil)
        } catch {
            try Prerequisite.unavailable("no ICMP socket here: \(error)", test: "ReceiveStampTests")
            return
        }
        defer { socket.close() }
        let dest = try IPSocketAddress.resolve(address, family: family == AF_INET ? 4 : 6)
        // The kernel switches receive stamps on for the system in deferred work after the first
        // socket asks; a packet that arrives before has none and is stamped when read.
        try await Task.sleep(for: .milliseconds(100))
        // A raw socket sees every ICMP packet of the host: tests running beside this one can fill
        // its buffer while it sleeps, and a reply is then dropped. Up to three tries.
        for attempt in 1...3 {
            let sent = ContinuousClock.now
            #expect(socket.send(to: dest, sequence: UInt16(attempt), payloadLength: 56) == nil)
            try await Task.sleep(for: .milliseconds(300))
            let replies = socket.receive().filter {
                if case .reply(let seq, _, _) = $0.answer { return Int(seq) == attempt }
                return false
            }
            guard let reply = replies.first else { continue }
            let measured = sent.duration(to: reply.at)
            #expect(
                measured >= .zero && measured < .milliseconds(100),
                "\(measured) on a \(socket.kind.rawValue) for a reply read after 300 ms")
            return
        }
        Issue.record("no echo reply from \(address) in three tries")
    }

    /// A UDP trace probe to a closed loopback port: its port-unreachable error sits in the error
    /// queue for 300 ms before it is read.
    @Test(arguments: ["127.0.0.1", "::1"])
    func aLateReadDoesNotLengthenATraceProbe(address: String) async throws {
        // Stamping on before the probe: on loopback its error is queued during `send` itself.
        let stamped = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(stamped) }
        #expect(ReceiveStamp.enable(on: stamped))
        try await Task.sleep(for: .milliseconds(100))
        let prober = UDPProber()
        let dest = try IPSocketAddress.resolve(address, family: address.contains(":") ? 6 : 4).with(port: 9)
        guard case .inFlight(let probe) = try prober.send(to: dest, ttl: 64, packetSize: 60) else {
            Issue.record("the probe was answered at once")
            return
        }
        defer { prober.finish(probe) }
        try await Task.sleep(for: .milliseconds(300))
        let outcome = try #require(try prober.answers(for: [probe], until: .now + .seconds(2))[0])
        let rtt = try #require(outcome.rtt)
        #expect(rtt >= .zero && rtt < .milliseconds(100), "\(rtt) for an ICMP error read after 300 ms: \(outcome)")
    }
}
