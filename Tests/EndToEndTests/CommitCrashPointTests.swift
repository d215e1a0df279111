import FathomShared
import FathomTestSupport
import Foundation
import Synchronization
import Testing

/// The receiver dies (SIGKILL, by its test-only `FATHOM_TEST_CRASH_AT` seam) at each named step of
/// a group commit while concurrent uploads with batch ids flow; it is restarted and every upload is
/// sent again, as agents do. Every line must then be stored exactly once: no acknowledged line
/// lost, no unacknowledged one doubled.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CommitCrashPointTests {
    /// One upload: a batch id and lines no other upload has; hosts are shared so uploads of one
    /// group land in the same files.
    struct Upload: Sendable {
        var id: String
        var lines: [String]
        var body: String { lines.joined(separator: "\n") + "\n" }
    }

    static func uploads(clients: Int, each: Int) -> [[Upload]] {
        (0..<clients).map { c in
            (0..<each).map { u in
                let id = "c\(c)-u\(u)-" + String(repeating: "k", count: 40)
                let lines = (0..<5).map { k in
                    sampleLine(
                        host: "n\(c % 3)", cmd: "c\(c)u\(u)k\(k)-" + String(repeating: "x", count: 60), pid: 100 + k)
                }
                return Upload(id: id, lines: lines)
            }
        }
    }

    /// Sends each client's uploads in order until the receiver stops answering; the ids answered 200.
    static func sendUntilDown(_ plan: [[Upload]], client: UploadClient, baseURL: String) async -> Set<String> {
        let acked = AckedIDs()
        await withTaskGroup(of: Void.self) { group in
            for uploads in plan {
                group.addTask {
                    for upload in uploads {
                        guard
                            let reply = try? await client.send(
                                baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: upload.body,
                                headers: [("Fathom-Batch-Id", upload.id)])
                        else { return }
                        if reply.status == 200 { _ = acked.ids.withLock { $0.insert(upload.id) } }
                    }
                }
            }
        }
        return acked.ids.withLock { $0 }
    }

    /// Replays every upload against a healthy receiver, then checks each line is stored once.
    @discardableResult
    static func replayAndCheck(_ plan: [[Upload]], pki: TestPKI, dir: TempDirectory, client: UploadClient) async throws
        -> String
    {
        let back = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"))
        defer { back.stopLater(thenRemove: dir) }
        for upload in plan.joined() {
            let reply = try await client.send(
                back.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: upload.body,
                headers: [("Fathom-Batch-Id", upload.id)])
            #expect(reply.status == 200, "replay of \(upload.id): \(reply.status) \(reply.body)")
        }
        var stored: [String: Int] = [:]
        for (_, text) in storedFiles(dir.file("data"), cluster: "fox") {
            #expect(text.hasSuffix("\n"), "no torn tail")
            for line in text.split(separator: "\n") { stored[String(line), default: 0] += 1 }
        }
        let expected = plan.joined().flatMap(\.lines)
        let missing = expected.filter { stored[$0] == nil }
        let doubled = expected.filter { (stored[$0] ?? 0) > 1 }
        #expect(missing.isEmpty, "\(missing.count) lines missing")
        #expect(doubled.isEmpty, "\(doubled.count) lines stored more than once")
        #expect(stored.count == expected.count, "nothing but the uploaded lines")
        return back.log
    }

    /// Starts a receiver with the crash or fault `environment`, sends `plan` until it dies, and
    /// waits for it to be gone; the ids it acknowledged, and the dead process.
    static func sendUntilDeath(
        _ plan: [[Upload]], environment: [String: String], dir: TempDirectory, pki: TestPKI, client: UploadClient
    ) async throws -> (acked: Set<String>, dead: ReceiverProcess) {
        let dying = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
            environment: environment)
        let acked = await sendUntilDown(plan, client: client, baseURL: dying.baseURL)
        dying.process.waitUntilExit()
        return (acked, dying)
    }

    static func fixture() throws -> (TempDirectory, TestPKI) {
        let dir = TempDirectory("fathom-crashpoint")
        let pki = try TestPKI(in: dir.path)
        try dir.write("credentials", "fox:pw\n")
        return (dir, pki)
    }

    @Test(arguments: [
        "after-journal-write", "after-journal-sync", "after-data-write", "after-ledger-write", "after-sync",
    ])
    func deathAtEachStepStoresEveryLineExactlyOnceAfterReplay(_ step: String) async throws {
        let (dir, pki) = try Self.fixture()
        defer { dir.remove() }
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        let plan = Self.uploads(clients: 8, each: 8)
        // The fourth group dies, so earlier groups are on disk.
        let (acked, dying) = try await Self.sendUntilDeath(
            plan, environment: ["FATHOM_TEST_CRASH_AT": "\(step):4"], dir: dir, pki: pki, client: client)
        #expect(
            dying.process.terminationReason == .uncaughtSignal && dying.process.terminationStatus == SIGKILL,
            "the receiver must have died at \(step)")
        #expect(acked.count < plan.joined().count, "not everything was acknowledged before the crash")
        let log = try await Self.replayAndCheck(plan, pki: pki, dir: dir, client: client)
        // The restart found the group the crash interrupted (its intent was already durable).
        #expect(
            log.contains("had reached the disk whole and was kept") || log.contains("cut back"), "\(log.suffix(600))")
    }

    /// 200 only after the sync: a sync that fails (EIO, injected) turns into 503 with the upload's
    /// bytes taken back, and ENOSPC into 507; the retries are stored once.
    @Test(arguments: [("sync:EIO", 503), ("sync:ENOSPC", 507), ("data-write:ENOSPC", 507), ("journal-sync:EIO", 503)])
    func aFailedSyncOrWriteIsNeverAcknowledged(_ fault: String, _ status: Int) async throws {
        let (dir, pki) = try Self.fixture()
        defer { dir.remove() }
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        let receiver = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
            environment: ["FATHOM_TEST_FAIL_AT": "\(fault):2"])
        defer { receiver.stopLater(thenRemove: dir) }
        let uploads = Self.uploads(clients: 1, each: 3)[0]
        var statuses: [Int] = []
        for upload in uploads {
            let reply = try await client.send(
                receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: upload.body,
                headers: [("Fathom-Batch-Id", upload.id)])
            statuses.append(reply.status)
        }
        #expect(statuses == [200, status, 200], "the second upload's \(fault) is refused, the others stored")
        let stored = storedFiles(dir.file("data"), cluster: "fox").values.flatMap {
            $0.split(separator: "\n").map(String.init)
        }
        #expect(Set(stored) == Set(uploads[0].lines + uploads[2].lines), "nothing of the refused upload is kept")
        #expect(stored.count == 10)
        let retry = try await client.send(
            receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: uploads[1].body,
            headers: [("Fathom-Batch-Id", uploads[1].id)])
        #expect(retry.status == 200)
        let after = storedFiles(dir.file("data"), cluster: "fox").values.flatMap {
            $0.split(separator: "\n").map(String.init)
        }
        #expect(after.count == 15 && Set(after) == Set(uploads.flatMap(\.lines)))
    }

    @Test func deathInTheMiddleOfTakingBackAFailedGroupIsFinishedAtStart() async throws {
        let (dir, pki) = try Self.fixture()
        defer { dir.remove() }
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        let plan = Self.uploads(clients: 8, each: 8)
        // The second group's sync fails (EIO); the receiver dies after cutting back its first file.
        let (_, dying) = try await Self.sendUntilDeath(
            plan, environment: ["FATHOM_TEST_FAIL_AT": "sync:EIO:2", "FATHOM_TEST_CRASH_AT": "mid-rollback"],
            dir: dir, pki: pki, client: client)
        #expect(dying.process.terminationStatus == SIGKILL, "the receiver must have died mid-rollback")
        try await Self.replayAndCheck(plan, pki: pki, dir: dir, client: client)
    }

    @Test func deathDuringRecoveryIsRecoveredAtTheNextStart() async throws {
        let (dir, pki) = try Self.fixture()
        defer { dir.remove() }
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        let plan = Self.uploads(clients: 8, each: 8)
        let (_, dying) = try await Self.sendUntilDeath(
            plan, environment: ["FATHOM_TEST_CRASH_AT": "after-journal-sync:3"], dir: dir, pki: pki, client: client)
        #expect(dying.process.terminationStatus == SIGKILL, "the receiver must have died after the journal sync")
        // The next start dies while it cuts the half-written group back.
        await #expect(throws: TestFailure.self) {
            _ = try await ReceiverProcess(
                pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"),
                environment: ["FATHOM_TEST_CRASH_AT": "mid-recovery"])
        }
        try await Self.replayAndCheck(plan, pki: pki, dir: dir, client: client)
    }

    /// The issue's reproduction: a real full disk (a 2 MB tmpfs) where the ledger's page fills
    /// before the data's, long batch ids, retries after space comes back: nothing doubled.
    @Test func aRealFullDiskWithLongBatchIDsDoublesNothing() async throws {
        let dir = TempDirectory("fathom-fullledger")
        defer { dir.remove() }
        let data = dir.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let mount = try await Shell.run(["/bin/mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", data])
        guard mount.status == 0 else {
            Issue.record("cannot mount a 2 MB tmpfs (root is needed): \(mount.stderr.trimmingWhitespace())")
            return
        }
        defer { umount2(data, Int32(MNT_DETACH)) }  // umount -l, which a defer cannot wait for as a child
        let pki = try TestPKI(in: dir.path)
        try dir.write("credentials", "fox:pw\n")
        let receiver = try await ReceiverProcess(
            pki: pki, dataDirectory: data, credentialsPath: dir.file("credentials"))
        defer { receiver.stopLater(thenRemove: dir) }
        let client = try UploadClient(caFile: pki.caCertificate)
        defer { Task { await client.shutdown() } }
        // Fill the disk but a few pages.
        let filler = data + "/filler"
        let free =
            try await Shell.run(["/bin/df", "-B1", "--output=avail", data]).stdout.split(separator: "\n").last
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        _ = try await Shell.run([
            "/bin/dd", "if=/dev/zero", "of=" + filler, "bs=4096", "count=\(max(0, free / 4096 - 3))",
        ])
        let uploads = (0..<60).map { u in
            Upload(
                id: "u\(u)-" + String(repeating: "b", count: 116), lines: [sampleLine(host: "n\(u % 4)", cmd: "u\(u)")])
        }
        var refused: [Upload] = []
        for upload in uploads {
            let reply = try await client.send(
                receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw",
                body: upload.body, headers: [("Fathom-Batch-Id", upload.id)])
            if reply.status != 200 {
                #expect(reply.status == 507, "a full disk is 507: \(reply.status) \(reply.body)")
                refused.append(upload)
            }
        }
        #expect(!refused.isEmpty, "the disk must have filled up")
        try FileManager.default.removeItem(atPath: filler)
        for upload in uploads {
            let reply = try await client.send(
                receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw",
                body: upload.body, headers: [("Fathom-Batch-Id", upload.id)])
            #expect(reply.status == 200, "retry of \(upload.id) once space is back")
        }
        let stored = storedFiles(data, cluster: "fox").values.flatMap { $0.split(separator: "\n").map(String.init) }
        #expect(stored.count == uploads.count, "each line once: \(stored.count) stored for \(uploads.count) uploads")
        #expect(Set(stored) == Set(uploads.flatMap(\.lines)), "exactly the uploaded lines")
    }
}

/// Batch ids the receiver acknowledged, collected from concurrent clients.
final class AckedIDs: Sendable {
    let ids = Mutex<Set<String>>([])
}
