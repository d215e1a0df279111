import FathomTestSupport
import Foundation
import Testing

/// The ingest index against the day files it is folded from: a receiver killed between a group's
/// file commit and its index update repairs the index at start, and `fathom-receiver reindex`
/// rebuilds from the files exactly what ingest built. Indexes are compared row by row with the
/// sqlite3 command-line tool.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SampleIndexRecoveryTests {
    /// Every row of every index table, sorted, sums printed to 6 decimals (addition order differs
    /// between ingest, which folds upload by upload, and a rebuild, which folds whole files).
    static func dump(_ path: String) async throws -> String {
        let usage =
            "printf('%.6f', cpu), cpukib, rssanonkib, printf('%.6f', gpu), printf('%.6f', gpumem), gpukib, processes"
        let sql = """
            SELECT 'host', cluster, host, time, \(usage), jobs, users FROM host_sample ORDER BY 2, 3, 4;
            SELECT 'cluster', cluster, minute, \(usage), hosts FROM cluster_minute ORDER BY 2, 3;
            SELECT 'job', cluster, job, minute, user, \(usage) FROM job_minute ORDER BY 2, 3, 4;
            SELECT 'user', cluster, user, minute, \(usage) FROM user_minute ORDER BY 2, 3, 4;
            SELECT 'mark', path, folded_to FROM file_mark ORDER BY 2;
            """
        let result = try await Shell.run(["/usr/bin/sqlite3", path, sql])
        guard result.status == 0 else { throw TestFailure("sqlite3 \(path): \(result.stderr)") }
        return result.stdout
    }

    static func reindex(dataDirectory: String, into path: String) async throws -> String {
        let result = try await Shell.run([
            Shell.binDirectory + "/fathom-receiver", "reindex", "--data-dir", dataDirectory, "--index-db", path,
        ])
        guard result.status == 0 else { throw TestFailure("reindex: \(result.stderr)") }
        return result.stdout
    }

    @Test func killedBetweenFileCommitAndIndexUpdateTheRestartedIndexEqualsAFreshReindex() async throws {
        let dir = TempDirectory("fathom-index-crash")
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        try dir.write("credentials", "fox:fox-secret\n")
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        let uploads = GrafanaSamples.uploads()
        // One upload at a time, so each is its own group: the third dies after its sync, before its fold.
        let dying = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
            environment: ["FATHOM_TEST_CRASH_AT": "after-sync-before-index:3"])
        defer { dying.stopLater(thenRemove: dir) }
        var answered = 0
        for u in uploads {
            guard
                let reply = try? await client.send(
                    dying.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "fox-secret", body: u.body)
            else { break }
            #expect(reply.status == 200)
            answered += 1
        }
        dying.process.waitUntilExit()
        #expect(dying.process.terminationStatus == SIGKILL, "the receiver must have died at after-sync-before-index")
        #expect(answered == 2)
        // The third upload is in the files (synced) but not in the index.
        let stored = storedFiles(dir.file("data"), cluster: "fox").values.joined()
        #expect(stored == uploads[0...2].map(\.body).joined(), "the files hold the three synced uploads")
        let beforeRestart = try await Self.dump(dir.file("data/.fathom/index.sqlite"))
        #expect(!beforeRestart.contains("|\(uploads[2].time)|"), "the dying group never reached the index")

        let back = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"))
        defer { back.stopLater(thenRemove: dir) }
        let caughtUp = uploads[2].body.split(separator: "\n").count
        #expect(back.log.contains("sample index caught up \(caughtUp) lines"), "\(back.log.suffix(400))")
        // Uploading resumes on the repaired index.
        for u in uploads[3...] {
            let reply = try await client.send(
                back.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "fox-secret", body: u.body)
            #expect(reply.status == 200)
        }
        let grafana = GrafanaClient(client: client, baseURL: back.baseURL)
        let expected = GrafanaSamples.expected(uploads.map(\.body).joined())
        let series = try await grafana.series(
            GrafanaClient.query(
                "host.cpu", payload: #"{"cluster":"fox","host":"c1"}"#, from: GrafanaSamples.t0,
                to: GrafanaSamples.t0 + 86_400))
        let want = expected.host["c1"]!.sorted { $0.key < $1.key }.map { $0.value.cpu }
        #expect(series["fox/c1 cpu"]?.map(\.0).map { ($0 * 1000).rounded() } == want.map { ($0 * 1000).rounded() })
        await back.stop()

        let live = try await Self.dump(dir.file("data/.fathom/index.sqlite"))
        _ = try await Self.reindex(dataDirectory: dir.file("data"), into: dir.file("fresh/index.sqlite"))
        let fresh = try await Self.dump(dir.file("fresh/index.sqlite"))
        #expect(!live.isEmpty && live == fresh, "ingest+repair index differs from a fresh reindex")
    }

    @Test func reindexOfATreeEqualsTheIndexBuiltAtIngestAndReplacesAStaleOne() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let uploads = GrafanaSamples.uploads()
        // Concurrent nodes, so groups hold several uploads and files.
        try await GrafanaSamples.upload(uploads, to: f)
        await f.receiver.stop()
        let live = try await Self.dump(f.data + "/.fathom/index.sqlite")
        #expect(live.contains("host|fox|c3|"))
        let printed = try await Self.reindex(dataDirectory: f.data, into: f.dir.file("rebuilt/index.sqlite"))
        let lines = uploads.map { $0.body.split(separator: "\n").count }.reduce(0, +)
        #expect(printed.contains("reindexed \(lines) lines"), "\(printed)")
        #expect(live == (try await Self.dump(f.dir.file("rebuilt/index.sqlite"))))
        // Reindexing in place (default path) over the existing index gives the same rows again.
        _ = try await Self.reindex(dataDirectory: f.data, into: f.data + "/.fathom/index.sqlite")
        #expect(live == (try await Self.dump(f.data + "/.fathom/index.sqlite")))
    }
}
