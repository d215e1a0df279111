import FathomTestSupport
import Foundation
import Testing

/// What the built `fathom-agent` links: the system OpenSSL, and none of SwiftNIO, swift-nio-ssl's
/// BoringSSL or AsyncHTTPClient (the receiver keeps them), no Foundation library (FoundationEssentials
/// included: swift-argument-parser brought it, the agent parses its own command line) and no
/// libsystemd (with libgcrypt, lzma, zstd, lz4 and libcap behind it: `sd_notify` is spoken natively);
/// no Fathom source of the agent or of `Shared/` imports Foundation or FoundationEssentials.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentLinkageTests {
    var agent: String { Shell.binDirectory + "/fathom-agent" }

    @Test func theAgentLinksTheSystemOpenSSLAndNoSwiftNIO() async throws {
        let ldd = try await Shell.run(["/usr/bin/ldd", agent])
        #expect(ldd.status == 0, "\(ldd.stderr)")
        let libraries = ldd.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(libraries.contains { $0.hasPrefix("libssl.so.3 ") }, "\(ldd.stdout)")
        #expect(libraries.contains { $0.hasPrefix("libcrypto.so.3 ") }, "\(ldd.stdout)")
        let unwanted = libraries.filter {
            $0.hasPrefix("libFoundation") || $0.hasPrefix("lib_Foundation") || $0.hasPrefix("libsystemd")
                || $0.hasPrefix("libgcrypt") || $0.hasPrefix("libnio") || $0.hasPrefix("libNIO")
        }
        #expect(unwanted.isEmpty, "\(ldd.stdout)")
        // Symbol names carry their module: any NIO, BoringSSL, AsyncHTTPClient, ArgumentParser or
        // Foundation code linked in statically would show.
        let nm = try await Shell.run([
            "/bin/sh", "-c",
            "nm '\(agent)' | grep -E 'NIOCore|NIOPosix|NIOSSL|CNIOBoringSSL|AsyncHTTPClient|ArgumentParser"
                + "|FoundationEssentials|sd_notify' | head -5; exit 0",
        ])
        #expect(nm.status == 0)
        #expect(nm.stdout.isEmpty, "the agent holds NIO code: \(nm.stdout)")
        let openssl = try await Shell.run([
            "/bin/sh", "-c", "nm -D --undefined-only '\(agent)' | grep -c ' SSL_connect'",
        ])
        #expect(openssl.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "SSL_connect from libssl")
    }

    @Test func noAgentOrSharedSourceImportsFoundation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var offenders: [String] = []
        for folder in ["Agent", "Shared"] {
            let base = root.appendingPathComponent(folder).path
            let files = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
            #expect(files.contains { $0.hasSuffix(".swift") }, "no sources found under \(base)")
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOfFile: base + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    if let index = words.firstIndex(of: "import"), index + 1 < words.count,
                        words[index + 1].hasPrefix("Foundation")
                    {
                        offenders.append("\(folder)/\(file): \(line)")
                    }
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
