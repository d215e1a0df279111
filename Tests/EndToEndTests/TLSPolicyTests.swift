import FathomTestSupport
import Foundation
import Testing

/// The receiver's TLS against `openssl s_client`: TLS 1.0/1.1 and non-forward-secret suites refused
/// by the server, TLS 1.2 with ECDHE-GCM and TLS 1.3 accepted. The server has an RSA certificate, so
/// RSA-key-transport suites such as AES128-SHA are possible at all; each refused offer is shown to
/// succeed against a permissive `openssl s_server` with the same certificate, so the refusal is the
/// receiver's and not the client's.
@Suite(.serialized) struct TLSPolicyTests {
    struct Setup {
        let dir: TempDirectory
        let receiver: ReceiverProcess
        var certificate: String { dir.file("rsa.pem") }
        var key: String { dir.file("rsa.key") }

        init(_ flags: [String] = []) async throws {
            dir = TempDirectory("fathom-tls")
            let pki = try TestPKI(in: dir.path)
            let made = try await Shell.run([
                "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("rsa.key"),
                "-out", dir.file("rsa.pem"), "-days", "2", "-subj", "/CN=localhost",
            ])
            try #require(made.status == 0, "openssl req: \(made.stderr)")
            try dir.write("credentials", "fox:fox-secret\n")
            // The later --tls-cert/--tls-key win over the fixture's EC certificate.
            receiver = try await ReceiverProcess(
                pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
                extra: ["--tls-cert", dir.file("rsa.pem"), "--tls-key", dir.file("rsa.key")] + flags)
        }

        func close() {
            receiver.stopLater(thenRemove: dir)
        }
    }

    /// `s_client`'s report: the negotiated protocol and cipher, and the whole output.
    struct Handshake {
        var output: String
        var cipher: String? {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("New, ") }),
                let range = line.range(of: "Cipher is ")
            else { return nil }
            let name = String(line[range.upperBound...])
            return name == "(NONE)" ? nil : name
        }
        /// From `New, TLSv1.3, Cipher is …` (TLS 1.3 sessions are not printed once stdin ends).
        var protocolVersion: String? {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("New, ") }) else { return nil }
            let parts = line.split(separator: ",")
            return parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
        }
    }

    static func handshake(port: Int, _ options: [String]) async throws -> Handshake {
        let result = try await Shell.run(
            ["/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:\(port)"] + options, timeout: 20)
        return Handshake(output: result.stdout + result.stderr)
    }

    /// The same client options against `openssl s_server` that allows them, with the receiver's certificate.
    static func handshakeWithPermissiveServer(_ setup: Setup, server: [String], client: [String]) async throws
        -> Handshake
    {
        let port = Int.random(in: 20_000..<40_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments =
            [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", setup.certificate, "-key", setup.key,
                "-naccept", "1",
            ] + server
        let stdin = Pipe()  // s_server stops at end of input: keep it open
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var last = Handshake(output: "")
        // Up to 20 s for s_server to listen: a loaded two-core machine can be that slow to start it.
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(100))
            last = try await handshake(port: port, client)
            if !last.output.contains("Connection refused") { break }
        }
        return last
    }

    @Test(.timeLimit(.minutes(2)))
    func oldProtocolsAndNonForwardSecretSuitesAreRefusedByTheServer() async throws {
        let s = try await Setup()
        let refusals: [(client: [String], server: [String], alert: String)] = [
            (
                ["-tls1", "-cipher", "ALL:@SECLEVEL=0"], ["-tls1", "-cipher", "ALL:@SECLEVEL=0"],
                "alert protocol version"
            ),
            (
                ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"], ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"],
                "alert protocol version"
            ),
            (["-tls1_2", "-cipher", "AES128-SHA"], ["-cipher", "AES128-SHA"], "alert handshake failure"),
            (["-tls1_2", "-cipher", "AES256-SHA"], ["-cipher", "AES256-SHA"], "alert handshake failure"),
        ]
        for offer in refusals {
            let control = try await Self.handshakeWithPermissiveServer(s, server: offer.server, client: offer.client)
            #expect(
                control.cipher != nil, "\(offer.client) must work against a server that allows it: \(control.output)")
            let refused = try await Self.handshake(port: s.receiver.port, offer.client)
            #expect(refused.cipher == nil, "\(offer.client) negotiated \(refused.cipher ?? "")")
            // The alert was received from the receiver: the client did make the offer.
            #expect(refused.output.contains(offer.alert), "\(offer.client): \(refused.output)")
        }
        s.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func tls12WithECDHEGCMAndTLS13AreAccepted() async throws {
        let s = try await Setup()
        for suite in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
            let h = try await Self.handshake(port: s.receiver.port, ["-tls1_2", "-cipher", suite])
            #expect(h.cipher == suite && h.protocolVersion == "TLSv1.2", "\(suite): \(h.output)")
        }
        let tls13 = try await Self.handshake(port: s.receiver.port, ["-tls1_3"])
        #expect(tls13.protocolVersion == "TLSv1.3" && tls13.cipher != nil, "\(tls13.output)")
        s.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func minimumVersion13RefusesTLS12() async throws {
        let s = try await Setup(["--tls-min-version", "1.3"])
        let tls12 = try await Self.handshake(port: s.receiver.port, ["-tls1_2"])
        #expect(tls12.cipher == nil && tls12.output.contains("alert protocol version"), "\(tls12.output)")
        let tls13 = try await Self.handshake(port: s.receiver.port, ["-tls1_3"])
        #expect(tls13.protocolVersion == "TLSv1.3" && tls13.cipher != nil)
        s.close()
    }
}
