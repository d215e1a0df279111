import FathomShared
import FathomTestSupport
import Foundation
import HummingbirdBcrypt
import Logging
import Testing

@testable import FathomReceiver

/// The archive as the receiver serves it: `ReceiverSettings.archive` turns the routes on next to
/// sonar ingest; the keys file takes plain and bcrypt keys; the JSON parser is strict.
@Suite(.timeLimit(.minutes(2))) struct ArchiveWiringTests {
    @Test func receiverServesTheArchiveWhenConfigured() async throws {
        let dir = TempDirectory("fathom-archive-wiring")
        defer { dir.remove() }
        try dir.write("credentials", "fox:s3cret\n")
        try dir.write("api-keys", "pscheduler:k1\n")
        var settings = ReceiverSettings()
        settings.port = 0
        settings.insecureHTTP = true
        settings.dataDirectory = dir.file("data")
        settings.credentialsPath = dir.file("credentials")
        settings.archive = ArchiveSettings(databasePath: dir.file("archive.sqlite"), apiKeysPath: dir.file("api-keys"))
        try settings.archive?.check()
        var logger = Logger(label: "wiring")
        logger.logLevel = .critical
        let server = try ReceiverServer(settings: settings, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try server.application(onRunning: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()!
            defer { group.cancelAll() }
            let list = try await RawHTTPClient.send(
                port: port, method: "GET", path: "/esmond/perfsonar/archive/", headers: [], body: nil)
            #expect(list.status == 200 && list.body == "[]" && list.header("Content-Type") == "application/json")
            let ping = try await RawHTTPClient.send(port: port, method: "GET", path: "/ping", headers: [], body: nil)
            #expect(ping.status == 200)
            let root = try await RawHTTPClient.send(
                port: port, method: "GET", path: "/esmond/perfsonar/", headers: [], body: nil)
            #expect(root.body == #"{"archive":"http://127.0.0.1:\#(port)/esmond/perfsonar/archive/"}"#)
        }
        writerShutdown(server)
    }

    func writerShutdown(_ server: ReceiverServer) { server.writer?.shutdown() }

    @Test func apiKeysAcceptPlainAndBcryptKeysAndTheLegacyForm() {
        let hash = Bcrypt.hash("hashed-key", cost: 4)
        let keys = ArchiveAPIKeys(credentials: [
            Credential(user: "pscheduler", secret: "plain-key"), Credential(user: "ops", secret: hash),
        ])
        #expect(keys.check(authorization: "Token plain-key") == .user("pscheduler"))
        #expect(keys.check(authorization: "TOKEN hashed-key") == .user("ops"))
        #expect(keys.check(authorization: "ApiKey ops:hashed-key") == .user("ops"))
        #expect(keys.check(authorization: "Token wrong") == .invalid("Invalid token."))
        #expect(keys.check(authorization: "Token") == .invalid("Invalid token header. No credentials provided."))
        #expect(
            keys.check(authorization: "Token a b")
                == .invalid("Invalid token header. Token string should not contain spaces."))
        #expect(keys.check(authorization: "Basic Zm94OnMzY3JldA==") == .anonymous)
        #expect(keys.check(authorization: nil) == .anonymous)
    }

    @Test func apiKeysFileReloads() throws {
        let dir = TempDirectory("fathom-archive-keys")
        defer { dir.remove() }
        try dir.write("keys", "# archive writers\npscheduler:first\n")
        let keys = try ArchiveAPIKeys(path: dir.file("keys"))
        #expect(keys.check(authorization: "Token first") == .user("pscheduler"))
        try dir.write("keys", "pscheduler:second\n")
        try keys.reload()
        #expect(keys.check(authorization: "Token first") == .invalid("Invalid token."))
        #expect(keys.check(authorization: "Token second") == .user("pscheduler"))
    }
}
