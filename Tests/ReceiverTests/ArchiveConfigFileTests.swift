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

    /// With the PostgreSQL store the archive is in the store's database: served without
    /// `archive_db` (keys and allow-list from the file as ever), a SQLite file beside it is
    /// refused, and so is forwarding the archive (its log is the SQLite file's), with the reason.
    @Test func theStoreServesTheArchiveWithoutAFile() throws {
        let store = "[store]\nurl = \"postgresql://fathom@db.example.org/fathom\"\n"
        let plain = try ReceiverSettingsFile.parse("insecure_http = true\n" + store, fileName: "r.toml")
        let archive = try #require(plain.archive, "a store serves the archive")
        #expect(archive.databasePath == nil && archive.apiKeysPath == nil)
        #expect(plain.validationError() == nil)
        let keyed = try ReceiverSettingsFile.parse(
            "insecure_http = true\napi_keys = \"/etc/fathom/api-keys\"\narchive_allow = [\"10.0.0.0/8\"]\n" + store,
            fileName: "r.toml")
        #expect(keyed.archive?.apiKeysPath == "/etc/fathom/api-keys" && keyed.archive?.databasePath == nil)
        #expect(keyed.archive?.writerNetworks.writers.isEmpty == false)
        let both = try ReceiverSettingsFile.parse(
            "insecure_http = true\narchive_db = \"/a.sqlite\"\n" + store, fileName: "r.toml")
        #expect(both.validationError()?.contains("archive_db") == true, "\(both.validationError() ?? "")")
        let forwarded = try ReceiverSettingsFile.parse(
            "insecure_http = true\n" + store
                + "[[forward]]\nname = \"osg\"\nurl = \"amqp://guest@h/\"\nexchange = \"x\"\nstreams = [\"archive\"]\n",
            fileName: "r.toml")
        #expect(
            forwarded.validationError()?.contains("forward osg has the archive stream") == true,
            "\(forwarded.validationError() ?? "")")
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
