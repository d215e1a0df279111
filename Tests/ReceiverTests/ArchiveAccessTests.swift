import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// Write access without a token: CIDR allow-lists, `X-Forwarded-For` only from trusted proxies,
/// and a keys file that takes effect when edited.
@Suite(.timeLimit(.minutes(2))) struct ArchiveAccessTests {
    static let metadata = #"""
        {"subject-type":"network-element","source":"10.0.0.1","measurement-agent":"10.0.0.1",
         "tool-name":"fathom/ntp","event-types":[{"event-type":"ntp-offset","summaries":[{"summary-type":"average","summary-window":300}]}]}
        """#

    @Test func networksMatchByPrefix() throws {
        let v4 = try #require(IPNetwork("10.1.0.0/16"))
        #expect(v4.contains(address: "10.1.255.3") && !v4.contains(address: "10.2.0.1"))
        #expect(v4.contains(address: "::ffff:10.1.0.9"))  // IPv4-mapped counts as IPv4
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(address: "2001:DB8:0:1::5") && !v6.contains(address: "2001:db9::1"))
        #expect(try #require(IPNetwork("192.0.2.7")).contains(address: "192.0.2.7"))
        #expect(!(try #require(IPNetwork("192.0.2.7"))).contains(address: "192.0.2.8"))
        #expect(IPNetwork("0.0.0.0/0")!.contains(address: "203.0.113.1"))
        for bad in ["10.0.0.0/33", "host.example", "10.0.0/8", "::/129", ""] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
        #expect(throws: ArchiveSettings.NetworkError.self) { try ArchiveSettings.networks(["nope"]) }
    }

    @Test func forwardedForCountsOnlyFromTrustedProxies() {
        let access = ArchiveWriterNetworks(
            writers: [IPNetwork("192.0.2.0/24")!], trustedProxies: [IPNetwork("127.0.0.1")!])
        #expect(access.mayWrite(peer: "127.0.0.1", forwardedFor: "198.51.100.1, 192.0.2.9"))
        #expect(!access.mayWrite(peer: "127.0.0.1", forwardedFor: "192.0.2.9, 198.51.100.1"))
        #expect(!access.mayWrite(peer: "203.0.113.5", forwardedFor: "192.0.2.9"))  // spoofed, not via the proxy
        #expect(access.mayWrite(peer: "192.0.2.44", forwardedFor: nil))
        #expect(!ArchiveWriterNetworks().mayWrite(peer: "192.0.2.44", forwardedFor: nil))
    }

    @Test func allowListedPeersWriteWithoutAToken() async throws {
        try await ArchiveTestServer.with(writers: ArchiveWriterNetworks(writers: [IPNetwork("127.0.0.0/8")!])) {
            server in
            let created = try await server.send("POST", "/esmond/perfsonar/archive/", json: Self.metadata, token: nil)
            #expect(created.status == 201)
            let key = try #require((created.json as? [String: Any])?["metadata-key"] as? String)
            let point = try await server.send(
                "POST", "/esmond/perfsonar/archive/\(key)/ntp-offset/base", json: #"{"ts":600,"val":0.57}"#, token: nil)
            #expect(point.status == 201)
            #expect(
                try await server.get("/esmond/perfsonar/archive/\(key)/ntp-offset/base?time-start=0").body
                    == #"[{"ts":600,"val":0.5699}]"#)
            // A wrong token is still refused, allow-list or not (DRF authenticates before permissions).
            #expect(
                try await server.send("POST", "/esmond/perfsonar/archive/", json: Self.metadata, token: "bad").status
                    == 401)
        }
        try await ArchiveTestServer.with(writers: ArchiveWriterNetworks(writers: [IPNetwork("192.0.2.0/24")!])) {
            server in
            let spoofed = try await server.send(
                "POST", "/esmond/perfsonar/archive/", json: Self.metadata, token: nil,
                headers: [("X-Forwarded-For", "192.0.2.1")])
            #expect(spoofed.status == 401)
        }
    }

    @Test func privateArchiveRefusesAnonymousReads() async throws {
        try await ArchiveTestServer.with(readsNeedCredentials: true) { server in
            let anonymous = try await server.get("/esmond/perfsonar/archive/")
            #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate") == "Token")
            #expect(try await server.send("GET", "/esmond/perfsonar/archive/").status == 200)  // with the token
        }
    }

    @Test func editedKeysFileTakesEffectWithoutASignal() async throws {
        let dir = TempDirectory("fathom-archive-keys-watch")
        defer { dir.remove() }
        try dir.write("keys", "writer:old-key\n")
        let keys = try ArchiveAPIKeys(path: dir.file("keys"))
        #expect(keys.check(authorization: "Token old-key") == .user("writer"))
        try dir.write("keys", "writer:new-key-longer\n")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(keys.check(authorization: "Token new-key-longer") == .user("writer"))
        #expect(keys.check(authorization: "Token old-key") == .invalid("Invalid token."))
    }
}
