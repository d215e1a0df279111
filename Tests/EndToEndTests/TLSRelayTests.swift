import FathomAgent
import FathomTestSupport
import Foundation
import Testing

/// TLS in a relay process (`fathom-agent tls-relay`, what the `run` daemon uses so it never loads
/// OpenSSL) against real servers: the same errors as TLS in process, kept connections, no relay
/// left behind; and the daemon itself delivering over HTTPS with no libssl or libcrypto mapped.
@Suite(.serialized, .timeLimit(.minutes(2))) struct TLSRelayTests {
    static let relay = TLSPlacement.relay(executable: Shell.binDirectory + "/fathom-agent")

    /// What a request to `url` fails with through each placement; nil where it succeeded.
    func failures(caFile: String?, _ url: String, readTimeoutSeconds: Int64 = 60) async throws
        -> (inProcess: AgentHTTPError?, relayed: AgentHTTPError?)
    {
        var errors: [AgentHTTPError?] = []
        for placement in [TLSPlacement.inProcess, Self.relay] {
            let http = try AgentHTTPClient(caFile: caFile, readTimeoutSeconds: readTimeoutSeconds, tls: placement)
            do {
                _ = try await http.testRequest(url)
                errors.append(nil)
            } catch {
                errors.append(error)
            }
            try await http.shutdown()
        }
        return (errors[0], errors[1])
    }

    @Test(arguments: TestPKI.RefusedServer.allCases)
    func aRefusedCertificateReadsAsInProcess(_ variant: TestPKI.RefusedServer) async throws {
        let dir = TempDirectory("fathom-relay-refused")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let paths = pki.refusedServer(variant)
        let server = try await LocalTestServer.openSSL(
            certificate: paths.certificate, key: paths.key, directory: dir.path)
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/x"
        let (inProcess, relayed) = try await failures(caFile: pki.caCertificate, url)
        guard case .certificateRefused? = inProcess else {
            Issue.record("in process: \(String(describing: inProcess))")
            return
        }
        #expect(relayed == inProcess)
        #expect(relayed.map { "\($0)" } == inProcess.map { "\($0)" })
    }

    @Test func anotherCARefusedConnectionAndSilentHandshakeReadAsInProcess() async throws {
        let dir = TempDirectory("fathom-relay-other-ca")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let server = try await LocalTestServer.openSSL(
            certificate: pki.serverCertificate, key: pki.serverKey, directory: dir.path)
        defer { server.stop() }
        let otherCA = try await failures(caFile: pki.otherCA, "https://127.0.0.1:\(server.port)/x")
        #expect(
            otherCA.inProcess
                == .certificateRefused(
                    endpoint: "127.0.0.1:\(server.port)", reason: "unable to get local issuer certificate"))
        #expect(otherCA.relayed == otherCA.inProcess)
        let closed = try TestPorts.take()
        let refused = try await failures(caFile: nil, "https://127.0.0.1:\(closed)/")
        #expect(refused.inProcess == .connectionRefused(endpoint: "127.0.0.1:\(closed)"))
        #expect(refused.relayed == refused.inProcess)
        // Accepted by the kernel, never answered: the handshake's wait ends it, in the relay too.
        let listener = try TCPListener.listen(port: 0)
        defer { listener.close() }
        let silent = try await failures(
            caFile: nil, "https://127.0.0.1:\(listener.port)/", readTimeoutSeconds: 1)
        #expect(
            silent.inProcess
                == .timeout(endpoint: "127.0.0.1:\(listener.port)", step: "in the TLS handshake", seconds: 1.0))
        #expect(silent.relayed == silent.inProcess)
    }

    @Test func aCAFileOpenSSLRefusesIsReportedOnTheFirstRequest() async throws {
        let dir = TempDirectory("fathom-relay-bad-ca")
        defer { dir.remove() }
        try dir.write("garbage.pem", "not a certificate\n")
        let garbage = dir.file("garbage.pem")
        var inProcess: AgentHTTPError?
        do { _ = try AgentHTTPClient(caFile: garbage) } catch { inProcess = error }
        guard case .tlsSetup? = inProcess else {
            Issue.record("in process: \(String(describing: inProcess))")
            return
        }
        // A relay's client is made (OpenSSL is not loaded to parse the file); its first request says why.
        let http = try AgentHTTPClient(caFile: garbage, tls: Self.relay)
        let port = try TestPorts.take()
        do {
            _ = try await http.testRequest("https://127.0.0.1:\(port)/")
            Issue.record("a request with an unusable CA file succeeded")
        } catch {
            #expect(error == inProcess)
        }
        try await http.shutdown()
        // A missing file is still reported when the client is made.
        #expect(throws: AgentHTTPError.self) { try AgentHTTPClient(caFile: dir.file("missing.pem"), tls: Self.relay) }
    }

    @Test func theRelayShowsTheClientCertificateWhenTheServerDemandsOne() async throws {
        let dir = TempDirectory("fathom-relay-client-cert")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        try dir.write("hello.txt", "hello\n")
        let server = try await LocalTestServer.openSSL(
            certificate: pki.serverCertificate, key: pki.serverKey, directory: dir.path,
            extra: ["-Verify", "1", "-CAfile", pki.caCertificate])
        defer { server.stop() }
        let known = try AgentHTTPClient(
            caFile: pki.caCertificate, clientCertificate: pki.clientCertificate, clientKey: pki.clientKey,
            tls: Self.relay)
        let response = try await known.testRequest("https://localhost:\(server.port)/hello.txt")
        #expect(response.status == 200 && response.text == "hello\n")
        try await known.shutdown()
    }

    @Test func oneRelayCarriesEveryRequestAndIsReapedOnShutdown() async throws {
        let dir = TempDirectory("fathom-relay-keep-alive")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let server = try await LocalTestServer.python(
            directory: dir.path, tls: (pki.serverCertificate, pki.serverKey))
        defer { server.stop() }
        let http = try AgentHTTPClient(caFile: pki.caCertificate, tls: Self.relay)
        var ports: Set<Substring> = []
        for round in 0..<3 {
            let body = String(repeating: "round \(round) ", count: 2000)
            let response = try await http.testRequest("https://localhost:\(server.port)/echo", body: body)
            #expect(response.text.hasPrefix("echo \(body) port "))
            ports.insert(response.text.split(separator: " ").last ?? "")
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ports.count == 1, "one relayed TLS connection carries every request: \(ports)")
        let relays = ProcessTable.children(of: getpid()).filter {
            ProcessTable.commandLine(of: $0).contains("tls-relay --host localhost --port \(server.port) ")
        }
        #expect(relays.count == 1, "one relay for the kept connection")
        try await http.shutdown()
        for relay in relays {
            #expect(ProcessTable.state(of: relay) == nil, "relay \(relay) reaped, not left a zombie")
        }
    }

    @Test func theDaemonDeliversOverHTTPSWithoutMappingOpenSSL() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let agent = try AgentRun(fixture: f)
        let process = Process()
        let args = agent.arguments("run", extra: ["--interval", "1", "--send-window", "0"])
        process.executableURL = URL(fileURLWithPath: args[0])
        process.arguments = Array(args.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { OwnThread.later { process.endBlocking(grace: .seconds(3)) } }
        let pid = process.processIdentifier
        var delivered = 0
        // Socket counts from the first delivery on: before it, the daemon may still be starting
        // (seconds on a loaded machine), with fewer sockets than a delivery pass holds.
        var sockets: [Int] = []
        // Each delivery pass closes its connections, so no relay lives on between passes.
        var relayFreeAfterDelivery = false
        // Polled until enough is seen, with a bound in time (not in polls): a slow start or a
        // stalled test process only makes it take longer.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
            #expect(!maps.contains("libssl") && !maps.contains("libcrypto"), "OpenSSL mapped into the daemon")
            delivered = storedFiles(f.data, cluster: "fox").keys.filter { $0.hasSuffix(".csv") }.count
            guard delivered >= 1 else { continue }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            sockets.append(
                fds.filter {
                    ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "")
                        .hasPrefix("socket:")
                }.count)
            if ProcessTable.children(of: pid).isEmpty { relayFreeAfterDelivery = true }
            if sockets.count >= 40 && relayFreeAfterDelivery { break }
        }
        #expect(delivered >= 1, "samples arrived over HTTPS")
        #expect(relayFreeAfterDelivery, "a relay outlived its delivery pass")
        // Samples go out every second: a relay per connection leaves neither a descriptor nor a child behind.
        #expect(sockets.suffix(20).max() ?? 0 <= (sockets.prefix(20).max() ?? 0) + 1, "\(sockets)")
        let children = ProcessTable.children(of: pid)
        #expect(children.count <= 2, "at most the kept connections' relays: \(children)")
        for child in children where ProcessTable.state(of: child) != "Z" {
            #expect(ProcessTable.commandLine(of: child).contains(" tls-relay "))
        }
        // A relay caught between its end and its reaping is gone a delivery later.
        let zombies = Set(children.filter { ProcessTable.state(of: $0) == "Z" })
        try await Task.sleep(for: .milliseconds(1500))
        #expect(zombies.filter { ProcessTable.state(of: $0) == "Z" }.isEmpty, "zombie relays: \(zombies)")
        #expect(await process.end(grace: .seconds(20)), "the daemon ignored SIGTERM")
        #expect(process.terminationStatus == 0)
    }
}
