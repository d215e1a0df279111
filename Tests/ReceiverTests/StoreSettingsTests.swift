import FathomShared
import NIOCore
import Testing

@testable import FathomReceiver

/// The `[store]` table, `postgresql://` URLs and the partition and retention arithmetic, without
/// a database (the store itself is proven against a real server in `PostgresStoreTests`).
@Suite(.timeLimit(.minutes(1))) struct StoreSettingsTests {
    @Test func theStoreTableLoadsFromTheConfigFileAndAbsentKeepsTheFileStore() throws {
        let settings = try ReceiverSettingsFile.parse(
            """
            insecure_http = true
            [store]
            url = "postgresql://fathom@db.example.org:5433/fathom"
            password_file = "/etc/fathom/db-password"
            sslmode = "verify-full"
            ca_file = "/etc/fathom/db-ca.pem"
            """, fileName: "receiver.toml")
        #expect(
            settings.store
                == StoreSettings(
                    url: "postgresql://fathom@db.example.org:5433/fathom", passwordFile: "/etc/fathom/db-password",
                    tlsMode: .verifyFull, caFile: "/etc/fathom/db-ca.pem"))
        #expect(try ReceiverSettingsFile.parse("insecure_http = true", fileName: "r.toml").store == nil)
        for (bad, message) in [
            ("[store]\npassword_file = \"x\"", "needs 'url'"),
            ("[store]\nurl = \"postgresql://a@b/c\"\nsslmode = \"prefer\"", "sslmode must be"),
            ("[store]\nurl = \"postgresql://a@b/c\"\npool = 3", "unknown config key 'store.pool'"),
        ] {
            #expect(throws: ConfigError.self, "\(bad)") { try ReceiverSettingsFile.parse(bad, fileName: "r.toml") }
            do {
                _ = try ReceiverSettingsFile.parse(bad, fileName: "r.toml")
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }

    @Test func urlsNameUserHostPortDatabaseAndTheirParameters() throws {
        let plain = try PostgresStoreAddress("postgresql://fathom@db.example.org/fathom")
        #expect(plain.user == "fathom" && plain.password == nil && plain.host == "db.example.org")
        #expect(plain.port == 5432 && plain.database == "fathom" && plain.tlsMode == nil)
        let full = try PostgresStoreAddress("postgres://u%40x:p%3Aw%2F@[::1]:6543/metrics?sslmode=require")
        #expect(full.user == "u@x" && full.password == "p:w/" && full.host == "::1" && full.port == 6543)
        #expect(full.database == "metrics" && full.tlsMode == .require)
        #expect(full.display == "postgresql://u@x@::1:6543/metrics")
        let socket = try PostgresStoreAddress("postgresql://fathom@/fathom?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql" && socket.port == 5432)
        for bad in [
            "mysql://u@h/d", "postgresql://h:5432/d", "postgresql://u@h:0/d", "postgresql://u@h:x/d",
            "postgresql://u@h", "postgresql://u@h/d?sslmode=allow", "postgresql://u@h/d?pool=1",
            "postgresql://u%zz@h/d",
        ] {
            #expect(throws: ConfigError.self, "\(bad)") { try PostgresStoreAddress(bad) }
        }
    }

    @Test func partitionsAreNamedByDayAndRetentionCountsWholeDays() {
        #expect(PostgresPartitions.tableName(day: "2026-11-25") == "fathom_samples_20261125")
        #expect(PostgresPartitions.day(tableName: "fathom_samples_20261125") == "2026-11-25")
        #expect(PostgresPartitions.day(tableName: "fathom_samples_host_time") == nil)
        #expect(PostgresPartitions.nextDay("2026-12-31") == "2027-01-01")
        #expect(PostgresPartitions.nextDay("2028-02-28") == "2028-02-29")
        #expect(PostgresPartitions.nextDay("1970-01-01") == "1970-01-02")
        // 2026-12-05T12:00:00Z less 400 days is 2025-10-31: that day is kept, the one before dropped.
        #expect(PostgresRetention.cutoff(olderThanDays: 400, now: 1_796_472_000) == "2025-10-31")
    }

    @Test func rowsTakeTheirDayClusterAndHostFromTheValidatorsPath() throws {
        let cluster = StorageName("fox")!
        let validator = SonarUploadValidator()
        let line = "v=0.12.2,time=2026-11-26T23:30:00-01:00,host=c1,user=bob,\"cmd=a,b\",job=12,pid=1"
        var rows = PostgresUploadRows()
        rows.add(
            try validator.freeCSV(
                Array((line + "\nv=0.12.2,time=2026-11-25T00:00:00Z,host=c2\n").utf8), cluster: cluster))
        rows.add(
            try validator.sysinfo(
                Array(#"{"timestamp":"2026-11-25T06:00:00Z","hostname":"c1"}"#.utf8), cluster: cluster))
        #expect(
            PostgresUploadRows.sampleColumns.count == 9 && rows.sampleCount == 2
                && rows.days == ["2026-11-27", "2026-11-25"])
        // COPY's text format: a tab between columns, the group id last, a backslash doubled.
        let expected =
            "2026-11-27\tfox\tc1\t2026-11-26T23:30:00-01:00\tbob\t12\ta,b\t\(line)\t7\n"
            + "2026-11-25\tfox\tc2\t2026-11-25T00:00:00+00:00\t\t0\t\tv=0.12.2,time=2026-11-25T00:00:00Z,host=c2\t7\n"
        var text = ByteBuffer(string: "before\n")
        rows.writeCopyText(group: 7, to: &text)
        #expect(String(buffer: text) == "before\n" + expected)
        var escaped = PostgresUploadRows()
        escaped.add(
            try validator.freeCSV(
                Array("v=0.12.2,time=2026-11-25T00:00:00Z,host=c3,cmd=a\\b\n".utf8), cluster: cluster))
        var escapedText = ByteBuffer()
        escaped.writeCopyText(group: 1, to: &escapedText)
        #expect(String(buffer: escapedText).contains("\ta\\\\b\t"))
        #expect(rows.sysinfoHost == ["c1"] && rows.sysinfoTime == [1_795_586_400])
        #expect(rows.sysinfoDocument == [#"{"timestamp":"2026-11-25T06:00:00Z","hostname":"c1"}"#])
    }
}
