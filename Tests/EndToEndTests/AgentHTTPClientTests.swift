import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// The agent's own HTTP client (system OpenSSL, no SwiftNIO) against real servers: `openssl s_server`
/// with good and bad certificates, and Python's `http.server` for the ways HTTP/1.1 frames a body.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentHTTPClientTests {
    /// The error a request to `url` fails with, or a test failure when it succeeds.
    func failure(_ http: AgentHTTPClient, _ url: String) async -> AgentHTTPError? {
        do {
            let response = try await http.testRequest(url)
            Issue.record("\(url) answered \(response.status) where it should fail")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: TestPKI.RefusedServer.allCases)
    func refusesABadCertificateNamingTheCause(_ variant: TestPKI.RefusedServer) async throws {
        let dir = TempDirectory("fathom-tls-refused")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        try dir.write("hello.txt", "hello\n")
        let paths = pki.refusedServer(variant)
        let server = try await LocalTestServer.openSSL(
            certificate: paths.certificate, key: paths.key, directory: dir.path)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: pki.caCertificate)
        let error = await failure(http, "https://localhost:\(server.port)/hello.txt")
        let cause =
            switch variant {
            case .expired: "certificate has expired"
            case .wrongHost: "hostname mismatch"
            case .selfSigned: "self-signed certificate"
            }
        #expect(
            error == .certificateRefused(endpoint: "localhost:\(server.port)", reason: cause),
            "\(String(describing: error))")
        #expect(
            "\(error.map { "\($0)" } ?? "")".contains("TLS certificate of localhost:\(server.port) refused: \(cause)"))
        try await http.shutdown()
    }

    @Test func refusesAServerOfAnotherCA() async throws {
        let dir = TempDirectory("fathom-tls-other-ca")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let server = try await LocalTestServer.openSSL(
            certificate: pki.serverCertificate, key: pki.serverKey, directory: dir.path)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: pki.otherCA)
        let error = await failure(http, "https://127.0.0.1:\(server.port)/x")
        #expect(
            error
                == .certificateRefused(
                    endpoint: "127.0.0.1:\(server.port)", reason: "unable to get local issuer certificate"))
        try await http.shutdown()
    }

    @Test func readsAFileOverVerifiedTLSByNameAndByAddress() async throws {
        let dir = TempDirectory("fathom-tls-good")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let text = String(repeating: "line of the file\n", count: 2000)
        try dir.write("hello.txt", text)
        let server = try await LocalTestServer.openSSL(
            certificate: pki.serverCertificate, key: pki.serverKey, directory: dir.path)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: pki.caCertificate)
        for host in ["localhost", "127.0.0.1"] {
            // s_server -WWW answers HTTP/1.0 and ends the body by closing the connection.
            let response = try await http.testRequest("https://\(host):\(server.port)/hello.txt")
            #expect(response.status == 200)
            #expect(response.text == text)
        }
        try await http.shutdown()
    }

    @Test func showsItsClientCertificateWhenTheServerDemandsOne() async throws {
        let dir = TempDirectory("fathom-tls-client-cert")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        try dir.write("hello.txt", "hello\n")
        let server = try await LocalTestServer.openSSL(
            certificate: pki.serverCertificate, key: pki.serverKey, directory: dir.path,
            extra: ["-Verify", "1", "-CAfile", pki.caCertificate])
        defer { server.stop() }
        let anonymous = try AgentHTTPClient(caFile: pki.caCertificate)
        #expect(await failure(anonymous, "https://localhost:\(server.port)/hello.txt") != nil)
        let known = try AgentHTTPClient(
            caFile: pki.caCertificate, clientCertificate: pki.clientCertificate, clientKey: pki.clientKey)
        let response = try await known.testRequest("https://localhost:\(server.port)/hello.txt")
        #expect(response.status == 200 && response.text == "hello\n")
        try await anonymous.shutdown()
        try await known.shutdown()
    }

    @Test func readsChunkedSizedAndCloseDelimitedBodiesOnKeptConnections() async throws {
        let dir = TempDirectory("fathom-http-bodies")
        defer { dir.remove() }
        let server = try await LocalTestServer.python(directory: dir.path)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: nil)
        let base = "http://127.0.0.1:\(server.port)"
        let sized = try await http.testRequest(base + "/echo", body: "payload")
        #expect(sized.status == 200 && sized.text.hasPrefix("echo payload port "))
        let port = String(sized.text.split(separator: " ").last ?? "")
        let chunked = try await http.testRequest(base + "/chunked")
        #expect(chunked.text == "first;" + port, "chunks joined, on the kept connection")
        let again = try await http.testRequest(base + "/echo", body: "more")
        #expect(again.text == "echo more port " + port, "the connection outlives a chunked answer")
        let closing = try await http.testRequest(base + "/until-close")
        #expect(closing.text == "all of it " + port)
        let fresh = try await http.testRequest(base + "/echo", body: "after")
        #expect(fresh.status == 200 && !fresh.text.hasSuffix(" " + port), "a closed connection is not reused")
        try await http.shutdown()
    }

    @Test func keepsATLSConnectionPastTheSessionTickets() async throws {
        let dir = TempDirectory("fathom-https-keep-alive")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let server = try await LocalTestServer.python(
            directory: dir.path, tls: (pki.serverCertificate, pki.serverKey))
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: pki.caCertificate)
        var ports: Set<Substring> = []
        for round in 0..<3 {
            let response = try await http.testRequest("https://localhost:\(server.port)/echo", body: "round \(round)")
            #expect(response.text.hasPrefix("echo round \(round) port "))
            ports.insert(response.text.split(separator: " ").last ?? "")
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ports.count == 1, "one TLS connection carries every request: \(ports)")
        try await http.shutdown()
    }

    @Test func aKeptConnectionTheServerClosedIsReplacedNotReported() async throws {
        let dir = TempDirectory("fathom-http-stale")
        defer { dir.remove() }
        let server = try await LocalTestServer.python(directory: dir.path, idleSeconds: 0.3)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: nil)
        let base = "http://127.0.0.1:\(server.port)"
        // Closed while idle: seen before the request goes out.
        let first = try await http.testRequest(base + "/echo", body: "one")
        try await Task.sleep(for: .seconds(1))
        let second = try await http.testRequest(base + "/echo", body: "two")
        #expect(
            second.text.hasPrefix("echo two port ")
                && second.text.split(separator: " ").last != first.text.split(separator: " ").last)
        // Closed in answer to the request: the request goes again on a fresh connection.
        let served = try await http.testRequest(base + "/once-per-connection")
        let resent = try await http.testRequest(base + "/once-per-connection")
        #expect(
            served.status == 200 && resent.status == 200 && served.text != resent.text, "\(served.text) \(resent.text)")
        try await http.shutdown()
    }

    @Test func refusesRedirectsAndOversizedBodies() async throws {
        let dir = TempDirectory("fathom-http-refusals")
        defer { dir.remove() }
        let server = try await LocalTestServer.python(directory: dir.path)
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: nil)
        let base = "http://127.0.0.1:\(server.port)"
        let redirect = await failure(http, base + "/redirect")
        #expect(
            redirect
                == .redirectRefused(url: base + "/redirect", status: 302, location: "https://elsewhere.example/upload"))
        #expect("\(redirect.map { "\($0)" } ?? "")".contains("redirects are not followed"))
        do {
            _ = try await http.testRequest(base + "/large", maxBodyBytes: 1000)
            Issue.record("a 100 kB body was taken under a 1000-byte limit")
        } catch {
            #expect(error == .responseTooLarge(endpoint: "127.0.0.1:\(server.port)", limit: 1000))
        }
        try await http.shutdown()
    }

    @Test func refusedConnectionFailsAtOnceAndSilenceTimesOut() async throws {
        let http = try AgentHTTPClient(caFile: nil, readTimeoutSeconds: 1)
        let closed = try TestPorts.take()
        let start = ContinuousClock.now
        let refused = await failure(http, "https://127.0.0.1:\(closed)/")
        #expect(refused == .connectionRefused(endpoint: "127.0.0.1:\(closed)"))
        #expect(start.duration(to: .now) < .seconds(2), "no retry of a refused connection")
        // A name no resolver knows fails by name, or at the connect bound if no resolver answers.
        let lookupStart = ContinuousClock.now
        switch await failure(http, "https://no-such-host.invalid/") {
        case .nameResolution(let host, _)?: #expect(host == "no-such-host.invalid")
        case .timeout(_, let step, _)?: #expect(step == "resolving no-such-host.invalid")
        case let other: Issue.record("unexpected: \(String(describing: other))")
        }
        #expect(lookupStart.duration(to: .now) < .seconds(12))
        // Accepted by the kernel, never answered: the read wait ends it.
        let listener = try TCPListener.listen(port: 0)
        defer { listener.close() }
        let silent = await failure(http, "http://127.0.0.1:\(listener.port)/")
        #expect(
            silent == .timeout(endpoint: "127.0.0.1:\(listener.port)", step: "reading the response", seconds: 1.0),
            "\(String(describing: silent))")
        try await http.shutdown()
    }
}
