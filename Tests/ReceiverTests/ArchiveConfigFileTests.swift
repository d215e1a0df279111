import FathomReceiver
import FathomShared
import FathomTestSupport
import Logging
import Testing

/// The archive's TOML keys (`archive_db`, `api_keys`, `archive_allow`) reach `ArchiveSettings`,
/// and half-configured archives are refused rather than silently ignored.
@Suite(.timeLimit(.minutes(2))) struct ArchiveConfigFileTests {
    @Test func archiveKeysLoad() throws {
        let s = try ReceiverSettingsFile.parse(
            """
            listen = "0.0.0.0:9443"
            data_dir = "/srv/data"
            credentials = "/etc/fathom/credentials"
            insecure_http = true
            archive_db = "/var/lib/fathom/archive.sqlite"
            api_keys = "/etc/fathom/api-keys"
            archive_allow = ["10.0.0.0/8", "2001:db8::5"]
            """, fileName: "r.toml")
        let archive = try #require(s.archive)
        #expect(archive.databasePath == "/var/lib/fathom/archive.sqlite")
        #expect(archive.apiKeysPath == "/etc/fathom/api-keys")
        #expect(archive.writerNetworks.writers == (try ArchiveSettings.networks(["10.0.0.0/8", "2001:db8::5"])))
        #expect(archive.writerNetworks.mayWrite(peer: "10.1.2.3", forwardedFor: nil))
        #expect(!archive.writerNetworks.mayWrite(peer: "192.168.1.1", forwardedFor: nil))
    }

    @Test func noArchiveWithoutDatabase() throws {
        let s = try ReceiverSettingsFile.parse("data_dir = \"/srv/data\"", fileName: "r.toml")
        #expect(s.archive == nil)
        let db = try ReceiverSettingsFile.parse("archive_db = \"/a.sqlite\"", fileName: "r.toml")
        #expect(db.archive?.apiKeysPath == nil, "no keys file: no one may write with a token")
        #expect(db.archive?.writerNetworks.writers.isEmpty == true)
    }

    @Test func badArchiveKeysAreRefused() {
        #expect(throws: ConfigError.self) { try ReceiverSettingsFile.parse("api_keys = \"/k\"", fileName: "r.toml") }
        #expect(throws: ConfigError.self) {
            try ReceiverSettingsFile.parse("archive_allow = [\"10.0.0.0/8\"]", fileName: "r.toml")
        }
        #expect(throws: ConfigError.self) {
            try ReceiverSettingsFile.parse("archive_db = \"/a\"\narchive_allow = [\"not-a-net\"]", fileName: "r.toml")
        }
        #expect(throws: ConfigError.self) {
            try ReceiverSettingsFile.parse("archive_db = \"/a\"\narchive_allow = \"10.0.0.0/8\"", fileName: "r.toml")
        }
    }

    /// The server keeps the keys table its archive routes check, and `reload()` re-reads it (the
    /// real SIGHUP to a real receiver is `ReceiverReloadTests.sighupReloadsTheArchiveKeys`).
    @Test func serverHoldsTheArchiveKeysTableItsReloadRereads() throws {
        let dir = TempDirectory("fathom-archive-config")
        defer { dir.remove() }
        try dir.write("credentials", "fox:s3cret\n")
        try dir.write("api-keys", "pscheduler:old\n")
        var settings = ReceiverSettings()
        settings.insecureHTTP = true
        settings.dataDirectory = dir.file("data")
        settings.credentialsPath = dir.file("credentials")
        #expect(try ReceiverServer(settings: settings, logger: Logger(label: "t")).archiveKeys == nil)
        settings.archive = ArchiveSettings(databasePath: dir.file("archive.sqlite"), apiKeysPath: dir.file("api-keys"))
        let keys = try #require(try ReceiverServer(settings: settings, logger: Logger(label: "t")).archiveKeys)
        #expect(keys.check(authorization: "Token old") == .user("pscheduler"))
        try dir.write("api-keys", "pscheduler:new\n")
        try keys.reload()
        #expect(keys.check(authorization: "Token new") == .user("pscheduler"))
        #expect(keys.check(authorization: "Token old") == .invalid("Invalid token."))
    }
}
