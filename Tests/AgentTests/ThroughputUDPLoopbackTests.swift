import FathomAgent
import Foundation
import Glibc
import Testing

/// Our UDP client against our responder on 127.0.0.1, plus peers that misbehave on the UDP path:
/// no connect reply, a wrong one, a server or client that vanishes mid-test, a parameter the
/// responder cannot honour. Every case ends quickly with a clear error.
///
/// Bodies run on threads of their own (`ThroughputTestRun.offPool`), as in `ThroughputLoopbackTests`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ThroughputUDPLoopbackTests {
    typealias Responder = ThroughputLoopbackTests.Responder

    @Test(arguments: [(false, 1, 50_000_000), (true, 2, 20_000_000)])
    func clientAndResponderAgree(reverse: Bool, parallel: Int, rate: Int) async throws {
        try await ThroughputTestRun.offPool {
            let responder = try Responder()
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: responder.port, reverse: reverse, udp: true, parallel: parallel, duration: 2,
                bandwidth: rate
            ).validated()
            let client = try ThroughputClient(parameters: parameters).run()
            let server = try responder.finish()
            let clientUDP = try #require(client.udp)
            let serverUDP = try #require(server.udp)
            #expect(clientUDP.map(\.transfer.streamID) == Array([1, 3].prefix(parallel)))
            #expect(serverUDP.map(\.transfer.streamID) == Array([1, 3].prefix(parallel)))
            // The sender's own counts reach the other side unchanged through the results exchange.
            #expect(
                client.sentBytes == server.sentBytes && client.senderPackets == server.senderPackets
                    && client.sentBytes > 0)
            #expect(client.lostPackets == server.lostPackets)
            let receiver = reverse ? clientUDP : serverUDP
            let sender = reverse ? serverUDP : clientUDP
            let sent = sender.reduce(0) { $0 + $1.packets }
            let highest = receiver.reduce(0) { $0 + $1.packets }
            let received = receiver.reduce(0) { $0 + $1.transfer.bytes }
            // Functional accounting (how much a loaded host drops, and how exactly it paces, is
            // fathom-bench's business): data arrived, nothing beyond what was sent, and the
            // receiver's loss is the gap between the highest packet number and what it read.
            #expect(received > 0 && received <= client.sentBytes, "received \(received) of \(client.sentBytes)")
            #expect(highest > 0 && highest <= sent, "highest \(highest) of \(sent)")
            #expect(
                client.lostPackets >= 0 && client.lostPackets <= highest, "lost \(client.lostPackets) of \(highest)")
            #expect(receiver.allSatisfy { $0.jitter >= 0 && $0.malformed == 0 })
            // Pacing, functionally: iperf3's -b is per stream, and a paced sender stays far below
            // loopback's line rate (many Gbit/s) and well above nothing.
            let result = try ThroughputResult.decode(json: client.result.jsonString())
            let summary = try #require(result.summary)
            let target = Double(rate * parallel)
            #expect(
                summary.summary.throughputBits > 0.2 * target && summary.summary.throughputBits < 3 * target,
                "\(summary.summary.throughputBits) bit/s, asked \(target)")
            #expect(
                summary.summary.sent == sent && summary.summary.lost == client.lostPackets
                    && summary.summary.jitter != nil)
            #expect(
                summary.streams.count == parallel
                    && summary.streams.allSatisfy { $0.jitter != nil && $0.sent != nil && $0.lost != nil })
            #expect(result.intervals.count == 2 && result.intervals.allSatisfy { $0.summary.sent ?? 0 > 0 })
            #expect(client.summary.contains("lost") && client.summary.contains("jitter"), "\(client.summary)")
        }
    }

    /// Parameters no iperf3 client sends but a peer could: refused with SERVER_ERROR and
    /// iperf3's error number, and the responder's outcome names the parameter.
    @Test(arguments: [
        (#"{"udp":true,"time":1,"parallel":1,"len":70000}"#, IperfState.udpBlockSize, "len"),
        (
            #"{"udp":true,"time":1,"parallel":1,"len":1460,"bidirectional":true}"#, IperfState.notImplemented,
            "bidirectional"
        ),
    ])
    func udpParametersTheResponderCannotHonourGetAClearError(parameters: String, code: Int32, word: String) async throws
    {
        try await ThroughputTestRun.offPool {
            let responder = try Responder(controlTimeout: .seconds(2))
            let start = ContinuousClock.now
            let socket = try TCPSocket.connect(
                to: try IPSocketAddress.resolve("127.0.0.1").with(port: UInt16(responder.port)), timeout: .seconds(2))
            defer { socket.close() }
            let control = ControlChannel(socket: socket, timeout: .seconds(2))
            try socket.write(IperfCookie.make(), deadline: .now + .seconds(2))
            try control.expect(.paramExchange)
            try socket.write(
                [0, 0, 0, UInt8(parameters.utf8.count)] + Array(parameters.utf8), deadline: .now + .seconds(2))
            #expect(throws: ThroughputError.serverError(iperfErrno: code, errno: 0)) {
                try control.expect(.createStreams)
            }
            #expect(throws: ThroughputError.self) { try responder.finish() }
            if case .failure(let error) = responder.outcome.value {
                #expect(error.description.contains("invalid parameter") && error.description.contains(word), "\(error)")
            }
            // No hang: the error came before the responder's 10 s control timeout, with room for a loaded machine.
            #expect(start.duration(to: .now) < .seconds(10))
        }
    }

    /// A fake iperf3 server that runs the control protocol up to CREATE_STREAMS and then does
    /// `udp` with the client's connect datagram: nothing, or a wrong reply.
    private func fakeServer(udp: @escaping @Sendable (_ fd: Int32) -> Void) throws -> (
        port: Int, thread: JoinableThread
    ) {
        let listener = try TCPListener.listen(port: 0)
        let port = listener.port
        let thread = try JoinableThread {
            defer { listener.close() }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard let peer = try? listener.accept(deadline: .now + .seconds(5)) else { return }
            defer { peer.close() }
            let control = ControlChannel(socket: peer, timeout: .seconds(5))
            _ = try? peer.read(IperfCookie.size, deadline: .now + .seconds(5))
            try? control.send(.paramExchange)
            _ = try? control.readJSON(IperfParameters.self, maxLength: 8192, what: "parameters")
            try? control.send(.createStreams)
            udp(fd)
            // Hold the control connection until the client gives up.
            _ = try? peer.read(1, deadline: .now + .seconds(3))
        }
        return (Int(port), thread)
    }

    @Test func silentUDPStreamTimesOut() async throws {
        try await ThroughputTestRun.offPool {
            let fake = try fakeServer { _ in }
            defer { fake.thread.join() }
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: fake.port, udp: true, duration: 1, controlTimeout: .milliseconds(500)
            ).validated()
            #expect(
                ThroughputTestRun.clientFailure(parameters, within: .seconds(1.5))
                    == .timeout("the server's reply to the UDP connect datagram"))
        }
    }

    @Test func wrongUDPConnectReplyIsAProtocolViolation() async throws {
        try await ThroughputTestRun.offPool {
            let fake = try fakeServer { fd in
                var buffer = [UInt8](repeating: 0, count: 64)
                var peer = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 3000) == 1 else { return }
                let n = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, 64, 0, $0, &length) }
                }
                guard n == 4, buffer.prefix(4) == UDPStreamHandshake.connectMessage[...] else { return }
                let reply = Array("HTTP".utf8)
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, 4, 0, $0, length) }
                }
            }
            defer { fake.thread.join() }
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: fake.port, udp: true, duration: 1, controlTimeout: .seconds(2)
            ).validated()
            let error = ThroughputTestRun.clientFailure(parameters, within: .seconds(1)).map { "\($0)" } ?? ""
            #expect(error.contains("UDP connect reply") && error.contains("48 54 54 50"), "\(error)")
        }
    }

    /// The server completes the UDP handshake and starts the test, then disappears: the client
    /// stops its streams and says so, well before the test's duration.
    @Test func serverVanishingMidTestIsAClearErrorNotAHang() async throws {
        try await ThroughputTestRun.offPool {
            let listener = try TCPListener.listen(port: 0)
            let fake = try JoinableThread {
                defer { listener.close() }
                guard let udp = try? UDPListener(port: listener.port),
                    let peer = try? listener.accept(deadline: .now + .seconds(5))
                else { return }
                defer {
                    udp.close()
                    peer.close()
                }
                let control = ControlChannel(socket: peer, timeout: .seconds(5))
                _ = try? peer.read(IperfCookie.size, deadline: .now + .seconds(5))
                try? control.send(.paramExchange)
                _ = try? control.readJSON(IperfParameters.self, maxLength: 8192, what: "parameters")
                try? control.send(.createStreams)
                guard let stream = try? udp.accept(deadline: .now + .seconds(5), datagramSize: 1460) else { return }
                try? control.send(.testStart)
                try? control.send(.testRunning)
                usleep(300_000)
                stream.close()
            }
            defer { fake.join() }
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: Int(listener.port), udp: true, duration: 5, bandwidth: 10_000_000
            ).validated()
            #expect(ThroughputTestRun.clientFailure(parameters, within: .seconds(2)) == .closedByPeer("IPERF_DONE"))
        }
    }

    /// A client that starts a UDP test and then closes its control connection: the responder's
    /// test fails at once with the reason, and its threads and sockets are gone.
    @Test func clientVanishingMidTestEndsTheResponderTest() async throws {
        try await ThroughputTestRun.offPool {
            let responder = try Responder(controlTimeout: .seconds(2))
            let start = ContinuousClock.now
            let address = try IPSocketAddress.resolve("127.0.0.1").with(port: UInt16(responder.port))
            let socket = try TCPSocket.connect(to: address, timeout: .seconds(2))
            let control = ControlChannel(socket: socket, timeout: .seconds(2))
            try socket.write(IperfCookie.make(), deadline: .now + .seconds(2))
            try control.expect(.paramExchange)
            try control.sendJSON(
                IperfParameters(time: 5, parallel: 1, reverse: true, udp: true, blockSize: 1460, bandwidth: 10_000_000),
                what: "parameters")
            try control.expect(.createStreams)
            let stream = try UDPStreamHandshake.connect(
                to: address, timeout: .seconds(2), datagramSize: 1460, reverse: true)
            try control.expect(.testStart)
            try control.expect(.testRunning)
            // Datagrams arrive, well-formed.
            let datagram = try #require(try stream.receive(maxLength: 2048, deadline: .now + .seconds(2)))
            #expect(
                datagram.count == 1460 && UDPDatagramHeader.decode(datagram, counters64Bit: false)?.packetNumber == 1)
            socket.close()
            stream.close()
            #expect(throws: ThroughputError.closedByPeer("TEST_END")) { try responder.finish() }
            // No hang: the error came before the responder's 10 s control timeout, with room for a loaded machine.
            #expect(start.duration(to: .now) < .seconds(10))
        }
    }
}
