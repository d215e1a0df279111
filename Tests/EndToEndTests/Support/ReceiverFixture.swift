import FathomTestSupport
import Foundation

/// A temp dir with a test PKI, a credentials file and a running receiver; `close()` cleans up.
struct ReceiverFixture: Sendable {
    let dir: TempDirectory
    let pki: TestPKI
    let receiver: ReceiverProcess
    let client: UploadClient
    /// The flags that serve the archive (`archive` fixtures), for a restart on the same store.
    let archiveFlags: [String]
    var data: String { dir.file("data") }

    static let credentials = """
        # per-cluster upload credentials
        fox:fox-secret
        saga:saga-secret
        ops:ops-secret clusters=fox,saga

        """

    /// The archive API key the agent tests use (`--archive` fixtures only).
    static let archiveToken = "agent-token-5f2b9c"

    /// `archive`: also serve the esmond archive, with one API key (``archiveToken``), from a
    /// SQLite file or, with `store` (a PostgreSQL URL), from the store's database; `flags` are
    /// passed to the receiver as they are, `credentials` replaces the file's text; `wrapper`: see
    /// ``ReceiverProcess``.
    init(
        maxBodyBytes: Int? = nil, archive: Bool = false, store: String? = nil, flags: [String] = [],
        credentials: String = Self.credentials, wrapper: [String] = []
    ) async throws {
        dir = TempDirectory("fathom-e2e")
        pki = try TestPKI(in: dir.path)
        try dir.write("credentials", credentials)
        var extra = (maxBodyBytes.map { ["--max-body-bytes", String($0)] } ?? []) + flags
        if archive {
            try dir.write("api-keys", "agent:\(Self.archiveToken)\n")
            archiveFlags =
                (store.map { ["--store", $0] } ?? ["--archive-db", dir.file("archive.sqlite")])
                + ["--api-keys", dir.file("api-keys")]
        } else {
            archiveFlags = store.map { ["--store", $0] } ?? []
        }
        extra += archiveFlags
        receiver = try await ReceiverProcess(
            pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"), extra: extra,
            wrapper: wrapper)
        client = try UploadClient(caFile: pki.caCertificate)
    }

    func url(_ path: String, cluster: String? = "fox") -> String {
        receiver.baseURL + path + (cluster.map { "?cluster=" + $0 } ?? "")
    }

    /// POSTs archive metadata with the fixture's API key and returns its `metadata-key`.
    func createArchiveMetadata(_ body: String, at base: String? = nil) async throws -> String {
        let created = try await client.send(
            (base ?? receiver.baseURL) + "/esmond/perfsonar/archive/", contentType: "application/json", body: body,
            headers: [("Authorization", "Token \(Self.archiveToken)")])
        guard created.status == 201,
            let key = (try? JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?[
                "metadata-key"] as? String
        else { throw TestFailure("POST metadata: \(created.status) \(created.body)") }
        return key
    }

    /// Closes the client's connections, stops the receiver and removes the directory. Synchronous,
    /// so `defer { f.close() }` cleans up however the test ends, and returns at once: the receiver
    /// gets SIGTERM now, and the wait for it (SIGKILL after 3 s: its graceful shutdown is not what
    /// is tested here) and the directory's removal run on a thread of their own, which the test
    /// process waits for when it exits (``ReceiverProcess/stopLater(grace:thenRemove:)``).
    func close() {
        client.shutdownNow()
        receiver.stopLater(grace: Self.closeGrace, thenRemove: dir)
    }

    static let closeGrace: Duration = .seconds(3)
}

/// A free-CSV sample line as sonar 0.12 prints it.
func sampleLine(
    host: String = "c1", time: String = "2026-11-25T10:00:00+00:00", cmd: String = "python", pid: Int = 4242
) -> String {
    "v=0.12.2,time=\(time),host=\(host),user=alice,cmd=\(cmd),job=77,pid=\(pid),cpu%=99.5,cpukib=1024,cputime_sec=60"
}
