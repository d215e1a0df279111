import FathomShared
import Foundation
import Testing

@testable import FathomReceiver

/// The archive's absolute links (`url`, `Location`, `metadata-next-page`, the root's `archive`)
/// start with the configured public URL or the listen address, never with the client's `Host`.
@Suite struct ArchiveLinkTests {
    static let archive = "/esmond/perfsonar/archive/"
    static func metadata(_ n: Int) -> String {
        #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.\#(n)","measurement-agent":"10.0.0.1","event-types":[{"event-type":"throughput"}]}"#
    }

    /// Every absolute link in the replies to a client that sends `Host: evil.example`.
    func links(_ server: ArchiveTestServer) async throws -> [String] {
        let evil = [("Host", "evil.example:666")]
        var found: [String] = []
        for n in 1...3 {
            let created = try await server.send("POST", Self.archive, json: Self.metadata(n), headers: evil)
            #expect(created.status == 201)
            found.append(created.header("Location") ?? "none")
            found.append((created.json as? [String: Any])?["url"] as? String ?? "none")
        }
        let page = try await server.send("GET", Self.archive + "?limit=1&offset=1", token: nil, headers: evil)
        let first = (page.json as? [[String: Any]])?.first ?? [:]
        found.append(first["metadata-next-page"] as? String ?? "none")
        found.append(first["metadata-previous-page"] as? String ?? "none")
        found.append(first["url"] as? String ?? "none")
        let root = try await server.send("GET", "/esmond/perfsonar/", token: nil, headers: evil)
        found.append((root.json as? [String: Any])?["archive"] as? String ?? "none")
        return found
    }

    @Test(.timeLimit(.minutes(1))) func linksUseTheListenAddressNotTheHostHeader() async throws {
        try await ArchiveTestServer.with { server in
            let found = try await links(server)
            #expect(found.count == 10)
            for link in found {
                #expect(link.hasPrefix("http://127.0.0.1:\(server.port)/"), "\(link)")
                #expect(!link.contains("evil"))
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func linksUseTheConfiguredPublicURL() async throws {
        try await ArchiveTestServer.with(publicURL: "https://ma.example.org:8443/fathom/") { server in
            let found = try await links(server)
            #expect(found.count == 10)
            for link in found {
                #expect(link.hasPrefix("https://ma.example.org:8443/fathom/esmond/perfsonar/"), "\(link)")
            }
            #expect(found[6].hasSuffix("?limit=1&offset=2"))
        }
    }

    @Test func publicURLIsCheckedInTheConfigFile() throws {
        let good = try ReceiverSettingsFile.parse(
            "archive_db = \"/a.sqlite\"\npublic_url = \"https://ma.example.org\"", fileName: "r.toml")
        #expect(good.archive?.publicURL == "https://ma.example.org")
        for bad in [
            "ftp://ma.example.org", "https://", "https:///path", "https://ma.example.org/?x=1", "ma.example.org",
        ] {
            #expect(throws: ConfigError.self, "\(bad)") {
                try ReceiverSettingsFile.parse(
                    "archive_db = \"/a.sqlite\"\npublic_url = \"\(bad)\"", fileName: "r.toml")
            }
        }
        #expect(throws: ConfigError.self) {
            try ReceiverSettingsFile.parse("public_url = \"https://ma.example.org\"", fileName: "r.toml")
        }
    }

    @Test func listenAddressLinksNameTheMachineForAWildcardAndFollowTheBoundPort() {
        let wildcard = ArchiveLinkOrigin(scheme: "https", listenHost: "0.0.0.0", port: 443)
        #expect(wildcard.string == "https://" + ArchiveLinkOrigin.machineName())
        let v6 = ArchiveLinkOrigin(scheme: "http", listenHost: "2001:db8::5", port: 0)
        v6.listening(on: 8080)
        #expect(v6.string == "http://[2001:db8::5]:8080")
        let fixed = try? ArchiveLinkOrigin(publicURL: "https://ma.example.org")
        fixed?.listening(on: 9999)
        #expect(fixed?.string == "https://ma.example.org")
    }
}
