import FathomAgent
import Foundation
import Glibc
import Testing

/// Our client against our responder on 127.0.0.1, plus peers that misbehave: a busy server,
/// garbage and silence on the control connection. Every case must end quickly with a clear error.
///
/// Each test body runs on a thread of its own (`ThroughputTestRun.offPool`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct ThroughputLoopbackTests {
    /// Paced (iperf3's -b) so the tests prove the protocol and the counts without filling both
    /// cores of a small CI machine.
    static let rate = 2_000_000_000

    /// A responder serving one test on a kernel-picked port, on a thread of its own.
    struct Responder {
        let port: Int
        let thread: JoinableThread
        let outcome: ThreadResult<ThroughputResponder.Outcome>

        init(controlTimeout: Duration = .seconds(10)) throws {
            let responder = try ThroughputResponder(port: 0, controlTimeout: controlTimeout)
            let outcome = ThreadResult<ThroughputResponder.Outcome>()
            port = Int(responder.listener.port)
            thread = try JoinableThread { try? responder.serve(once: true) { outcome.value = $0 } }
            self.outcome = outcome
        }

        func finish() throws -> ThroughputReport {
            thread.join()
            return try #require(outcome.value).get()
        }
    }

    @Test(arguments: [(false, 1), (true, 2)])
    func clientAndResponderAgree(reverse: Bool, parallel: Int) async throws {
        try await ThroughputTestRun.offPool {
            let responder = try Responder()
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: responder.port, reverse: reverse, parallel: parallel, duration: 1,
                bandwidth: Self.rate
            ).validated()
            let client = try ThroughputClient(parameters: parameters).run()
            let server = try responder.finish()
            // Both sides report the sender's own count, so sent bytes match exactly.
            #expect(client.sentBytes == server.sentBytes && client.sentBytes > 0)
            #expect(Double(client.receivedBytes) >= 0.95 * Double(client.sentBytes))
            #expect(client.local.map(\.streamID) == Array([1, 3].prefix(parallel)))
            let result = try ThroughputResult.decode(json: client.result.jsonString())
            let summary = try #require(result.summary)
            #expect(result.succeeded && summary.summary.throughputBits > 0 && summary.streams.count == parallel)
            #expect(result.intervals.count == 1 && result.intervals[0].streams.count == parallel)
            if !reverse { #expect(summary.summary.retransmits != nil) }
            // Pacing holds in both directions (the responder paces its sending in reverse).
            #expect(summary.summary.throughputBits < 1.1 * Double(parallel * Self.rate))
        }
    }

    @Test func secondClientIsToldTheServerIsBusy() async throws {
        try await ThroughputTestRun.offPool {
            let responder = try Responder()
            let first = ThreadResult<Result<ThroughputReport, ThroughputError>>()
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: responder.port, duration: 2, bandwidth: Self.rate
            ).validated()
            let running = try JoinableThread {
                first.value = Result { () throws(ThroughputError) in try ThroughputClient(parameters: parameters).run()
                }
            }
            usleep(700_000)
            #expect(throws: ThroughputError.serverBusy) { try ThroughputClient(parameters: parameters).run() }
            running.join()
            #expect(try #require(first.value).get().sentBytes > 0)
            _ = try responder.finish()
        }
    }

    /// A "server" that answers the cookie with HTTP, then holds the connection open.
    @Test func garbageFromTheServerIsAClearErrorNotAHang() async throws {
        try await ThroughputTestRun.offPool {
            let listener = try TCPListener.listen(port: 0)
            let fake = try JoinableThread {
                guard let peer = try? listener.accept(deadline: .now + .seconds(5)) else { return }
                _ = try? peer.read(IperfCookie.size, deadline: .now + .seconds(5))
                try? peer.write(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8), deadline: .now + .seconds(1))
                usleep(3_000_000)
                peer.close()
            }
            defer {
                fake.join()
                listener.close()
            }
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: Int(listener.port), duration: 1, controlTimeout: .seconds(2)
            ).validated()
            let error = ThroughputTestRun.clientFailure(parameters, within: .seconds(2)).map { "\($0)" } ?? ""
            #expect(error.contains("does not speak the iperf3 protocol") && error.contains("72"), "\(error)")
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await ThroughputTestRun.offPool {
            let listener = try TCPListener.listen(port: 0)
            let fake = try JoinableThread {
                let peer = try? listener.accept(deadline: .now + .seconds(5))
                usleep(1_500_000)
                peer?.close()
            }
            defer {
                fake.join()
                listener.close()
            }
            let parameters = try ThroughputParameters(
                dest: "127.0.0.1", port: Int(listener.port), duration: 1, controlTimeout: .milliseconds(500)
            ).validated()
            #expect(ThroughputTestRun.clientFailure(parameters, within: .seconds(1.5)) == .timeout("PARAM_EXCHANGE"))
        }
    }

    /// A client that sends a huge length instead of parameters gets SERVER_ERROR and the test ends.
    @Test(arguments: [[0xff, 0xff, 0xff, 0xff] as [UInt8], [0, 0, 0, 9] + Array("{not json".utf8)])
    func garbageFromTheClientGetsAServerError(garbage: [UInt8]) async throws {
        try await ThroughputTestRun.offPool {
            let responder = try Responder(controlTimeout: .seconds(2))
            let start = ContinuousClock.now
            let address = try IPSocketAddress.resolve("127.0.0.1").with(port: UInt16(responder.port))
            let socket = try TCPSocket.connect(to: address, timeout: .seconds(2))
            defer { socket.close() }
            try socket.write(IperfCookie.make(), deadline: .now + .seconds(2))
            #expect(try socket.read(1, deadline: .now + .seconds(2)) == [UInt8(IperfState.paramExchange.rawValue)])
            try socket.write(garbage, deadline: .now + .seconds(2))
            let answer = try socket.read(9, deadline: .now + .seconds(2))
            #expect(Int8(bitPattern: answer[0]) == IperfState.serverError.rawValue)
            #expect(throws: ThroughputError.self) { try responder.finish() }
            if case .failure(let error) = responder.outcome.value {
                #expect(error.description.contains("does not speak the iperf3 protocol"), "\(error)")
            }
            // No hang: the error came before the responder's 10 s control timeout, with room for a loaded machine.
            #expect(start.duration(to: .now) < .seconds(10))
        }
    }
}
