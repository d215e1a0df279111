import FathomTestSupport
import Foundation
import Testing

/// What the built `fathom-agent` links: the system OpenSSL (loaded with dlopen when a TLS context is
/// made, so one-shot commands never load it), and none of SwiftNIO, swift-nio-ssl's
/// BoringSSL or AsyncHTTPClient (the receiver keeps them), no Foundation library (FoundationEssentials
/// included: swift-argument-parser brought it, the agent parses its own command line) and no
/// libsystemd (with libgcrypt, lzma, zstd, lz4 and libcap behind it: `sd_notify` is spoken natively),
/// no `_StringProcessing` or `_RegexParser` (over 1 MB that every start relocated; `after(first:)`
/// is the agent's substring search);
/// no Fathom source of the agent or of `Shared/` imports Foundation or FoundationEssentials.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AgentLinkageTests {
    var agent: String { Shell.binDirectory + "/fathom-agent" }

    @Test func theAgentLoadsTheSystemOpenSSLAndLinksNoSwiftNIO() async throws {
        let ldd = try await Shell.run(["/usr/bin/ldd", agent])
        #expect(ldd.status == 0, "\(ldd.stderr)")
        let libraries = ldd.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let unwanted = libraries.filter {
            $0.hasPrefix("libFoundation") || $0.hasPrefix("lib_Foundation") || $0.hasPrefix("libsystemd")
                || $0.hasPrefix("libgcrypt") || $0.hasPrefix("libnio") || $0.hasPrefix("libNIO")
                // Loaded with dlopen on the first TLS context, never at start.
                || $0.hasPrefix("libssl") || $0.hasPrefix("libcrypto")
        }
        #expect(unwanted.isEmpty, "\(ldd.stdout)")
        // Symbol names carry their module: any NIO, BoringSSL, AsyncHTTPClient, ArgumentParser,
        // Foundation or string-processing (regex) code linked in, or referenced, would show.
        let nm = try await Shell.run([
            "/bin/sh", "-c",
            "nm '\(agent)' | grep -E 'NIOCore|NIOPosix|NIOSSL|CNIOBoringSSL|AsyncHTTPClient|ArgumentParser"
                + "|FoundationEssentials|sd_notify|17_StringProcessing|12_RegexParser' | head -5; exit 0",
        ])
        #expect(nm.status == 0)
        #expect(nm.stdout.isEmpty, "the agent holds NIO code: \(nm.stdout)")
        // The system libssl by its soname, its entry points by name (dlsym), none bound at start.
        let openssl = try await Shell.run([
            "/bin/sh", "-c",
            "grep -c -a -e 'libssl\\.so\\.3' -e 'SSL_connect' '\(agent)'; nm -D --undefined-only '\(agent)' | grep -c ' SSL_'",
        ])
        let counts = openssl.stdout.split(separator: "\n").map(String.init)
        #expect(counts.count == 2 && counts[0] != "0" && counts[1] == "0", "\(openssl.stdout)")
    }

    /// Commands that upload nothing never load OpenSSL (the dynamic loader's own log says what it loads).
    @Test(arguments: [["--version"], ["sample", "--rollup"], ["sample", "--bogus"]])
    func oneShotCommandsNeverLoadOpenSSL(arguments: [String]) async throws {
        let run = try await Shell.run(["/usr/bin/env", "LD_DEBUG=files", agent] + arguments)
        #expect(run.stderr.contains("file="), "LD_DEBUG logged nothing: \(run.stderr.prefix(500))")
        #expect(!run.stderr.contains("libssl") && !run.stderr.contains("libcrypto"), "\(run.stderr.prefix(2000))")
    }

    /// A scan of every source line, which a debug build makes slow: on a thread of its own, not
    /// a cooperative one the other suites' timers need.
    @Test func noAgentOrSharedSourceImportsFoundation() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let (empty, offenders) = try await OwnThread.run {
            var empty: [String] = []
            var offenders: [String] = []
            for folder in ["Agent", "Shared"] {
                let base = root.appendingPathComponent(folder).path
                let files = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
                if !files.contains(where: { $0.hasSuffix(".swift") }) { empty.append(base) }
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
            return (empty, offenders)
        }
        #expect(empty.isEmpty, "no sources found under \(empty)")
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
