import FathomTestSupport
import Foundation
import Testing

/// A real SIGHUP to a real `fathom-receiver` process: the archive's API keys file is re-read (the
/// new token writes, the old one is refused), and a keep-alive HTTPS connection opened before the
/// signal (real `openssl s_client`) still gets answers after it: reload drops no connection.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReceiverReloadTests {
    /// A metadata POST with an empty object: 401 when the token is refused, 400 (no subject-type)
    /// when it is accepted, and nothing is written either way.
    private func archiveStatus(_ f: ReceiverFixture, token: String) async throws -> Int {
        try await f.client.send(
            f.receiver.baseURL + "/esmond/perfsonar/archive/", contentType: "application/json", body: "{}",
            headers: [("Authorization", "Token " + token)]
        ).status
    }

    /// Waits (at most 10 s) until the receiver's log contains `text` `count` times.
    private func awaitLog(_ f: ReceiverFixture, _ text: String, count: Int = 1) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while f.receiver.log.components(separatedBy: text).count - 1 < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(f.receiver.log.components(separatedBy: text).count - 1 >= count, "no \"\(text)\" in: \(f.receiver.log)")
    }

    @Test func sighupReloadsTheArchiveKeys() async throws {
        let f = try await ReceiverFixture(archive: true)
        defer { f.close() }
        #expect(try await archiveStatus(f, token: ReceiverFixture.archiveToken) == 400)
        #expect(try await archiveStatus(f, token: "rotated-token-7c1d") == 401)
        try f.dir.write("api-keys", "agent:rotated-token-7c1d\n")
        f.receiver.signal(SIGHUP)
        try await awaitLog(f, "archive API keys reloaded")
        #expect(try await archiveStatus(f, token: "rotated-token-7c1d") == 400, "the new token is accepted")
        #expect(try await archiveStatus(f, token: ReceiverFixture.archiveToken) == 401, "the old token is refused")
        #expect(f.receiver.process.isRunning)
    }

    @Test func keepAliveConnectionSurvivesSIGHUP() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let session = try OpenSSLClientSession(port: f.receiver.port, caFile: f.pki.caCertificate)
        defer { session.close() }
        let request = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        try session.write(request)
        #expect(try await session.awaitOutput(containing: "HTTP/1.1 200", count: 1), "before SIGHUP: \(session.output)")
        try f.dir.write("credentials", "fox:rotated\n")
        f.receiver.signal(SIGHUP)
        try await awaitLog(f, "credentials reloaded")
        // The same TLS connection (s_client holds exactly one) answers again after the reload.
        #expect(session.isRunning, "the connection was closed by the reload: \(session.output)")
        try session.write(request)
        #expect(try await session.awaitOutput(containing: "HTTP/1.1 200", count: 2), "after SIGHUP: \(session.output)")
        #expect(!session.output.lowercased().contains("connection: close"), "\(session.output)")
    }
}
