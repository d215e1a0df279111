import FathomTestSupport
import Foundation
import Testing

/// The scale-out store with real receivers (`--store postgresql://…`) on a real PostgreSQL 15
/// server the test starts: uploads become rows (exact line bytes plus parsed columns), a replayed
/// batch id is acknowledged and stored once (also when two receivers get it at the same time),
/// the ingest checks are the file store's, a schema newer than the receiver knows stops it, and a
/// database outage is 503 and a failing `/ping` until the database is back; `prune` drops old
/// days and `export-tree` writes the tree the file store would have, also after a crash.
@Suite(.serialized) struct PostgresStoreTests {
    /// The server, or nil (after a SKIP line, or a failure under FATHOM_REQUIRE_ALL=1) without one.
    static func server() async throws -> PostgresServer? {
        guard PostgresServer.isInstalled else {
            try Prerequisite.unavailable("PostgreSQL 15 is not installed (apt-get install -y postgresql)")
            return nil
        }
        return try await PostgresServer.make()
    }

    func post(
        _ f: ReceiverFixture, path: String = "/sonar-freecsv", type: String = "text/csv", _ body: String,
        batch: String? = nil
    ) async throws -> UploadClient.Reply {
        try await f.client.send(
            f.url(path), contentType: type, user: "fox", password: "fox-secret", body: body,
            headers: batch.map { [("Fathom-Batch-Id", $0)] } ?? [])
    }

    @Test(.timeLimit(.minutes(3)))
    func uploadsBecomeRowsAndAReplayIsStoredOnce() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let f = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { f.close() }
        let lines = [
            sampleLine(), sampleLine(cmd: "bash -l", pid: 7), sampleLine(host: "c2", time: "2026-11-26T23:59:59-01:00"),
        ]
        let body = lines.joined(separator: "\n") + "\n"
        for _ in 0..<2 {
            let reply = try await post(f, body, batch: "b-1")
            #expect(reply.status == 200, "\(reply.body) \(f.receiver.log)")
        }
        let rows = try pg.psql(
            """
            SELECT day, cluster, host, extract(epoch from time)::bigint, "user", job, cmd, line
            FROM fathom_samples ORDER BY seq
            """)
        #expect(
            rows.split(separator: "\n").map(String.init) == [
                "2026-11-25|fox|c1|1795600800|alice|77|python|\(lines[0])",
                "2026-11-25|fox|c1|1795600800|alice|77|bash -l|\(lines[1])",
                "2026-11-27|fox|c2|1795741199|alice|77|python|\(lines[2])",
            ], "\(rows)")
        // Day partitions, made on demand: the UTC day of each line.
        #expect(
            try pg.psql("SELECT tableoid::regclass::text FROM fathom_samples ORDER BY seq")
                == "fathom_samples_20261125\nfathom_samples_20261125\nfathom_samples_20261127")
        #expect(try pg.psql("SELECT id FROM fathom_batches") == "fox/b-1")
        let pretty =
            "{\n  \"timestamp\": \"2026-11-23T06:39:22+00:00\",\n  \"hostname\": \"vm\",\n  \"gpus\": [ 0, 1 ]\n}\n"
        #expect(try await post(f, path: "/sysinfo", type: "application/json", pretty, batch: "s-1").status == 200)
        #expect(
            try pg.psql("SELECT day, host, document FROM fathom_sysinfo")
                == #"2026-11-23|vm|{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","gpus":[0,1]}"#)
        // Without a batch id an upload is stored each time (as with the file store).
        #expect(try await post(f, sampleLine(pid: 1) + "\n").status == 200)
        #expect(try await post(f, sampleLine(pid: 1) + "\n").status == 200)
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "5")
    }

    @Test(.timeLimit(.minutes(3)))
    func theIngestChecksAreTheFileStoresAndRefusedUploadsLeaveNoRow() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let f = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { f.close() }
        let good = sampleLine() + "\n"
        let cases: [(String, String, Int, String)] = [
            (good + sampleLine(time: "0001-06-01T00:00:00Z") + "\n", "text/csv", 400, "line 2: time is outside"),
            (good + "time=2026-11-25T10:00:00Z,user=x\n", "text/csv", 400, "line 2: missing host"),
            (good, "text/plain", 400, "Bad content-type"),
            (
                #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","hostname":"x"}"#, "application/json", 400,
                "duplicate key"
            ),
        ]
        for (body, type, status, reason) in cases {
            let path = type == "application/json" ? "/sysinfo" : "/sonar-freecsv"
            let reply = try await post(f, path: path, type: type, body, batch: "bad")
            #expect(reply.status == status && reply.body.contains(reason), "\(reply.status) \(reply.body)")
        }
        let unauthorized = try await f.client.send(
            f.url("/sonar-freecsv", cluster: "saga"), user: "fox", password: "fox-secret", body: good)
        #expect(unauthorized.status == 403)
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "0")
        #expect(try pg.psql("SELECT count(*) FROM fathom_sysinfo") == "0")
        // A refused upload's batch id was not taken: the good upload with it is stored.
        #expect(try pg.psql("SELECT count(*) FROM fathom_batches") == "0")
        #expect(try await post(f, good, batch: "bad").status == 200)
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "1")
    }

    @Test(.timeLimit(.minutes(4)))
    func twoReceiversGivenTheSameBatchesAtOnceStoreEachOnce() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let a = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { a.close() }
        let b = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { b.close() }
        let batches = 40
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<batches {
                let body = (0..<3).map { sampleLine(host: "n\(n)", pid: $0) }.joined(separator: "\n") + "\n"
                for f in [a, b] {
                    group.addTask { try await self.post(f, body, batch: "batch-\(n)").status }
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(try pg.psql("SELECT count(*) FROM fathom_batches") == "\(batches)")
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "\(batches * 3)")
        #expect(try pg.psql("SELECT count(*) FROM (SELECT DISTINCT line FROM fathom_samples) x") == "\(batches * 3)")
        // Group commit: the 80 uploads took fewer transactions (commit numbers) than uploads.
        let transactions = Int(try pg.psql("SELECT n FROM fathom_commit_clock")) ?? 0
        print("two receivers: \(batches * 2) uploads in \(transactions) transactions")
        #expect(transactions > 0 && transactions < batches * 2)
    }

    @Test(.timeLimit(.minutes(3)))
    func aSchemaNewerThanTheReceiverKnowsStopsItsStart() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let first = try await ReceiverFixture(flags: ["--store", pg.url])
        first.close()
        // Every version this receiver knows was applied, one row each.
        let known = try pg.psql("SELECT max(version) FROM fathom_schema")
        #expect(try pg.psql("SELECT count(*) FROM fathom_schema") == known && (Int(known) ?? 0) >= 2)
        try pg.psql("INSERT INTO fathom_schema (version) VALUES (99)")
        do {
            let refused = try await ReceiverFixture(flags: ["--store", pg.url])
            refused.close()
            Issue.record("a receiver started on schema version 99")
        } catch {
            #expect("\(error)".contains("schema is version 99, newer than this receiver knows (\(known))"), "\(error)")
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func aDatabaseOutageIs503AndAFailingPingUntilItIsBack() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let f = try await ReceiverFixture(archive: true, store: pg.url)
        defer { f.close() }
        let archive = f.receiver.baseURL + "/esmond/perfsonar/archive/"
        #expect(try await post(f, sampleLine(pid: 1) + "\n", batch: "o-1").status == 200)
        #expect(try await f.client.send(f.url("/ping", cluster: nil), method: .GET, contentType: nil).status == 200)
        #expect(try await f.client.send(archive, method: .GET, contentType: nil).status == 200)
        try await pg.stop()
        let refused = try await post(f, sampleLine(pid: 2) + "\n", batch: "o-2")
        #expect(refused.status == 503, "\(refused.status) \(refused.body)")
        // The archive in the same database: 503 as well, nothing half-answered.
        let unread = try await f.client.send(archive, method: .GET, contentType: nil)
        #expect(unread.status == 503, "\(unread.status) \(unread.body)")
        let ping = try await f.client.send(f.url("/ping", cluster: nil), method: .GET, contentType: nil)
        #expect(
            ping.status == 503 && ping.body.contains("postgresql://fathom@127.0.0.1:\(pg.port)/fathom"), "\(ping.body)")
        try await pg.start()
        #expect(try await f.client.send(f.url("/ping", cluster: nil), method: .GET, contentType: nil).status == 200)
        #expect(try await post(f, sampleLine(pid: 2) + "\n", batch: "o-2").status == 200)
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "2")
        // The archive's connections come back by themselves too: a write, then the list shows it.
        let key = try await f.createArchiveMetadata(
            #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","#
                + #""measurement-agent":"10.0.0.1","event-types":[{"event-type":"throughput"}]}"#)
        let listed = try await f.client.send(archive, method: .GET, contentType: nil)
        #expect(listed.status == 200 && listed.body.contains(key), "\(listed.status) \(listed.body)")
        // A restart while the archive's connections sit idle: the first request after it is
        // answered, on a new connection, not refused on the dead one.
        try await pg.stop()
        try await pg.start()
        let afterRestart = try await f.client.send(archive, method: .GET, contentType: nil)
        #expect(afterRestart.status == 200 && afterRestart.body.contains(key), "\(afterRestart.status)")
    }

    @Test(.timeLimit(.minutes(3)))
    func pruneDropsTheDaysOlderThanTheLimitAsWholePartitions() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let f = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { f.close() }
        let now = Date().timeIntervalSince1970
        let format = ISO8601DateFormatter()
        // 1000 and 402 days old go; 398 and 1 day old stay (whole UTC days, a day of margin each way).
        let ages = [1000, 402, 398, 1]
        let body =
            ages.map { sampleLine(time: format.string(from: Date(timeIntervalSince1970: now - Double($0) * 86_400))) }
            .joined(separator: "\n") + "\n"
        #expect(try await post(f, body, batch: "p-1").status == 200)
        let sysinfo =
            #"{"timestamp":"\#(format.string(from: Date(timeIntervalSince1970: now - 1000 * 86_400)))","hostname":"c1"}"#
        #expect(try await post(f, path: "/sysinfo", type: "application/json", sysinfo).status == 200)
        #expect(try pg.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'fathom_samples'::regclass") == "4")
        let pruned = try await Shell.run([
            Shell.binDirectory + "/fathom-receiver", "prune", "--store", pg.url, "--older-than", "400d",
        ])
        #expect(pruned.status == 0 && pruned.stdout.contains("dropped 2 days"), "\(pruned.stdout) \(pruned.stderr)")
        #expect(try pg.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'fathom_samples'::regclass") == "2")
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "2")
        #expect(try pg.psql("SELECT count(*) FROM fathom_sysinfo") == "0")
        #expect(try pg.psql("SELECT count(*) FROM fathom_batches") == "1")  // stored today: kept
        // The index rows of the dropped days went with them (one host sample a day here).
        #expect(try pg.psql("SELECT count(*) FROM fathom_host_sample") == "2")
        #expect(try pg.psql("SELECT count(*) FROM fathom_cluster_minute") == "2")
        #expect(try pg.psql("SELECT host FROM fathom_index_hosts") == "c1")
        // The receiver makes a dropped day's partition again for a late upload.
        #expect(try await post(f, body).status == 200)
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "6")
        let again = try await Shell.run([
            Shell.binDirectory + "/fathom-receiver", "prune", "--store", pg.url, "--older-than", "400d",
        ])
        #expect(again.status == 0 && again.stdout.contains("dropped 2 days"), "\(again.stdout) \(again.stderr)")
    }

    @Test(.timeLimit(.minutes(3)))
    func tlsToTheDatabaseIsRequiredOrVerifiedAsConfigured() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let dbPKI = try TestPKI(in: pg.directory.path)
        try pg.enableTLS(certificate: dbPKI.serverCertificate, key: dbPKI.serverKey)
        let config = TempDirectory("fathom-store")
        defer { config.remove() }
        // Both of a receiver's connections: the group commit's and the archive's.
        let encrypted = """
            SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE s.ssl AND a.pid <> pg_backend_pid() AND a.application_name <> 'psql'
            """
        // verify-full from the config file's [store] table, trusting the database's CA.
        try config.write(
            "receiver.toml",
            """
            [store]
            url = "\(pg.url)"
            sslmode = "verify-full"
            ca_file = "\(dbPKI.caCertificate)"
            """)
        let verified = try await ReceiverFixture(flags: ["--config", config.file("receiver.toml")])
        defer { verified.close() }
        #expect(try await post(verified, sampleLine() + "\n", batch: "t-1").status == 200)
        #expect(try pg.psql(encrypted) == "2")
        verified.close()
        // require from the URL: encrypted without checking the certificate.
        let required = try await ReceiverFixture(flags: ["--store", pg.url + "?sslmode=require"])
        defer { required.close() }
        #expect(try await post(required, sampleLine(pid: 2) + "\n", batch: "t-2").status == 200)
        #expect(try pg.psql(encrypted) == "2")
        required.close()
        // A certificate from another CA stops verify-full at start.
        try config.write(
            "other.toml",
            """
            [store]
            url = "\(pg.url)"
            sslmode = "verify-full"
            ca_file = "\(dbPKI.otherCA)"
            """)
        do {
            let refused = try await ReceiverFixture(flags: ["--config", config.file("other.toml")])
            refused.close()
            Issue.record("verify-full accepted a certificate of another CA")
        } catch {
            #expect("\(error)".contains("cannot connect to the store"), "\(error)")
        }
        #expect(try pg.psql("SELECT count(*) FROM fathom_samples") == "2")
    }

    /// The same uploads to a file-store receiver and to a PostgreSQL one, in the same order.
    func uploadToBoth(_ receivers: [ReceiverFixture], round: Int) async throws {
        for n in 0..<6 {
            let day = 23 + (n + round) % 3
            let body =
                (0..<3).map { sampleLine(host: "c\(n % 2)", time: "2026-11-\(day)T1\(round):0\(n):00+00:00", pid: $0) }
                .joined(separator: "\n") + "\n"
            let sysinfo =
                #"{"timestamp":"2026-11-\#(day)T06:00:0\#(round)Z","hostname":"c\#(n % 2)","round":\#(round)}"#
            for f in receivers {
                #expect(try await post(f, body, batch: "r\(round)-\(n)").status == 200)
                #expect(try await post(f, body, batch: "r\(round)-\(n)").status == 200)  // a replay: stored once
                #expect(try await post(f, path: "/sysinfo", type: "application/json", sysinfo).status == 200)
            }
        }
    }

    func exportTree(_ pg: PostgresServer, to out: String, extra: [String] = [], environment: [String: String]? = nil)
        async throws -> Shell.Result
    {
        try await Shell.run(
            [Shell.binDirectory + "/fathom-receiver", "export-tree", "--store", pg.url, "--out", out] + extra,
            environment: environment)
    }

    /// `diff -r` of two trees (the stores' own `.fathom` folders left out); `report` prints a difference.
    func sameTree(_ a: String, _ b: String, report: Bool = true) async throws -> Bool {
        let diff = try await Shell.run(["/usr/bin/diff", "-r", "-x", ".fathom", a, b])
        if diff.status != 0 && report { print(diff.stdout, diff.stderr) }
        return diff.status == 0
    }

    @Test(.timeLimit(.minutes(4)))
    func exportTreeWritesWhatTheFileStoreWroteIncrementallyAndAfterACrash() async throws {
        guard let pg = try await Self.server() else { return }
        defer { pg.remove() }
        let files = try await ReceiverFixture()
        defer { files.close() }
        let db = try await ReceiverFixture(flags: ["--store", pg.url])
        defer { db.close() }
        let out = TempDirectory("fathom-export")
        defer { out.remove() }
        try await uploadToBoth([files, db], round: 0)
        let first = try await exportTree(pg, to: out.path)
        #expect(first.status == 0 && first.stdout.contains("exported 24 lines"), "\(first.stdout) \(first.stderr)")
        #expect(try await sameTree(files.data, out.path))
        // Again with nothing new: nothing written. Then new uploads: only they are added.
        #expect(try await exportTree(pg, to: out.path).stdout.contains("exported 0 lines"))
        try await uploadToBoth([files, db], round: 1)
        let second = try await exportTree(pg, to: out.path)
        #expect(second.status == 0 && second.stdout.contains("exported 24 lines"), "\(second.stdout) \(second.stderr)")
        #expect(try await sameTree(files.data, out.path))
        // Killed after a chunk's data was synced but before its cursor moved: the rerun cuts it back.
        let crashed = TempDirectory("fathom-export")
        defer { crashed.remove() }
        let killed = try await exportTree(
            pg, to: crashed.path, extra: ["--chunk-commits", "5"],
            environment: ProcessInfo.processInfo.environment.merging(["FATHOM_TEST_EXPORT_CRASH_AFTER_DATA": "3"]) {
                $1
            })
        #expect(killed.status != 0)
        #expect(try await !sameTree(files.data, crashed.path, report: false))
        let rerun = try await exportTree(pg, to: crashed.path, extra: ["--chunk-commits", "5"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try await sameTree(files.data, crashed.path))
        // One cluster and a day range.
        let filtered = TempDirectory("fathom-export")
        defer { filtered.remove() }
        let some = try await exportTree(
            pg, to: filtered.path, extra: ["--cluster", "fox", "--from", "2026-11-24", "--to", "2026-11-24"])
        #expect(some.status == 0)
        #expect(try await sameTree(files.data + "/fox/2026/11/24", filtered.path + "/fox/2026/11/24"))
        #expect(!FileManager.default.fileExists(atPath: filtered.path + "/fox/2026/11/23"))
    }
}
