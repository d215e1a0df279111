import FathomShared
import FathomTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The receiver's upload endpoints over real TLS, in a real process, checked the way
/// Jobanalyzer's node scripts and reference servers behave.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReceiverIngestTests {
    @Test func pingAnswersWithoutAuth() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let reply = try await f.client.send(f.url("/ping", cluster: nil), method: .GET, contentType: nil)
        #expect(reply.status == 200 && reply.body == "pong\n")
    }

    @Test func acceptedUploadIsStoredVerbatimByUTCDate() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let lines = [
            sampleLine(host: "c1", time: "2026-11-25T00:30:00+01:00"),
            sampleLine(host: "c1", time: "2026-11-25T10:00:00+00:00", cmd: "we ird"),
            "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c2,user=_sonar_,cmd=_heartbeat_",
        ]
        let reply = try await f.client.send(
            f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: lines.joined(separator: "\n") + "\n")
        #expect(reply.status == 200 && reply.body.isEmpty)
        let files = storedFiles(f.data, cluster: "fox")
        #expect(files["2026/11/24/c1.csv"] == lines[0] + "\n")
        #expect(files["2026/11/25/c1.csv"] == lines[1] + "\n")
        #expect(files["2026/11/25/c2.csv"] == lines[2] + "\n")
    }

    @Test func sysinfoIsStoredPerHostAndDay() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let json =
            #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","description":"1x2 AMD EPYC, 24 GiB","cpu_cores":2,"mem_gb":24,"gpu_cards":0,"gpumem_gb":0}"#
        let reply = try await f.client.send(
            f.url("/sysinfo"), contentType: "application/json", user: "fox", password: "fox-secret", body: json)
        #expect(reply.status == 200)
        #expect(storedFiles(f.data, cluster: "fox")["2026/11/23/sysinfo-vm.json"] == json + "\n")
        let wrongType = try await f.client.send(
            f.url("/sysinfo"), contentType: "text/csv", user: "fox", password: "fox-secret", body: json)
        #expect(wrongType.status == 400)
    }

    @Test func refusalsFollowInfiltrateAndWriteNothing() async throws {
        let f = try await ReceiverFixture(maxBodyBytes: 4096)
        defer { f.close() }
        let body = sampleLine() + "\n"
        func status(
            _ path: String, cluster: String? = "fox", method: HTTPMethodName = .post, type: String? = "text/csv",
            user: String? = "fox", password: String? = "fox-secret", body: String = body
        ) async throws -> Int {
            try await f.client.send(
                f.url(path, cluster: cluster), method: method.nio, contentType: type, user: user, password: password,
                body: body
            ).status
        }
        #expect(try await status("/sonar-freecsv", method: .get) == 403)
        #expect(try await status("/sonar-freecsv", method: .put) == 403)
        #expect(try await status("/sonar-freecsv", type: "text/plain") == 400)
        #expect(try await status("/sonar-freecsv", type: "text/csvx") == 400)
        #expect(try await status("/sonar-freecsv", password: "wrong") == 401)
        #expect(try await status("/sonar-freecsv", user: nil, password: nil) == 401)
        #expect(try await status("/sonar-freecsv", user: "nobody", password: "fox-secret") == 401)
        #expect(try await status("/sonar-freecsv", cluster: nil) == 400)
        #expect(try await status("/sonar-freecsv?cluster=fox&cluster=saga", cluster: nil) == 400)
        #expect(try await status("/sonar-freecsv", cluster: "saga") == 403, "fox's password must not upload to saga")
        #expect(try await status("/sonar-freecsv", cluster: "..") == 400)
        #expect(try await status("/sonar-freecsv", cluster: "%2e%2e%2fetc") == 400)
        #expect(try await status("/sonar-freecsv", cluster: "a%2fb") == 400)
        #expect(try await status("/sonar-freecsv", body: sampleLine(host: "../../tmp") + "\n") == 400)
        #expect(try await status("/sonar-freecsv", body: "v=1,host=x\n") == 400)
        #expect(try await status("/sonar-freecsv", body: sampleLine() + "\nnot csv at all\n") == 400)
        #expect(try await status("/sonar-freecsv", body: String(repeating: sampleLine() + "\n", count: 100)) == 413)
        #expect(storedFiles(f.data, cluster: "fox").isEmpty)
        #expect(storedFiles(f.data, cluster: "saga").isEmpty)
        #expect(
            !FileManager.default.fileExists(atPath: f.dir.file("etc"))
                && !FileManager.default.fileExists(atPath: "/tmp/c1.csv.fathom"))
        // A credential with a cluster list may upload to each listed cluster.
        #expect(try await status("/sonar-freecsv", cluster: "saga", user: "ops", password: "ops-secret") == 200)
        #expect(f.receiver.log.contains("upload rejected: Unauthorized"))
        #expect(!f.receiver.log.contains("fox-secret"), "secrets must never be logged")
    }

    @Test func replayedBatchIsAcknowledgedButStoredOnce() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let body = sampleLine() + "\n"
        for _ in 0..<3 {
            let r = try await f.client.send(
                f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: body,
                headers: [("Fathom-Batch-Id", "0123456789abcdef")])
            #expect(r.status == 200)
        }
        // Survives a restart of the receiver.
        await f.receiver.stop()
        let again = try await ReceiverProcess(
            pki: f.pki, dataDirectory: f.data, credentialsPath: f.dir.file("credentials"))
        defer { again.stopLater(thenRemove: f.dir) }
        let r = try await f.client.send(
            again.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "fox-secret", body: body,
            headers: [("Fathom-Batch-Id", "0123456789abcdef")])
        #expect(r.status == 200)
        await again.stop()
        #expect(storedFiles(f.data, cluster: "fox")["2026/11/25/c1.csv"] == body)
    }

    @Test func sighupReloadsCredentials() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        try f.dir.write("credentials", "fox:rotated\n")
        f.receiver.signal(SIGHUP)
        var status = 0
        for _ in 0..<100 {
            status = try await f.client.send(
                f.url("/sonar-freecsv"), user: "fox", password: "rotated", body: sampleLine() + "\n"
            ).status
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 200)
        #expect(
            try await f.client.send(
                f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: sampleLine() + "\n"
            ).status == 401)
        #expect(f.receiver.process.isRunning)
    }

    @Test func clientTrustingAnotherCARefusesTheServer() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let stranger = try UploadClient(caFile: f.pki.otherCA)
        await #expect(throws: (any Error).self) {
            _ = try await stranger.send(f.url("/ping", cluster: nil), method: .GET, contentType: nil)
        }
        await stranger.shutdown()
    }
}

enum HTTPMethodName {
    case get, post, put
    var nio: HTTPMethod {
        switch self {
        case .get: return .GET
        case .post: return .POST
        case .put: return .PUT
        }
    }
}

extension ReceiverIngestTests {
    /// Go's bufio.Scanner in the reference servers stops silently at 64 KiB; we store such lines.
    @Test func linesLongerThan64KiBAreStoredWhole() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let long = sampleLine(cmd: String(repeating: "c", count: 100_000))
        let reply = try await f.client.send(
            f.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: long + "\n" + sampleLine(pid: 7) + "\n")
        #expect(reply.status == 200)
        #expect(storedFiles(f.data, cluster: "fox")["2026/11/25/c1.csv"] == long + "\n" + sampleLine(pid: 7) + "\n")
    }
}
