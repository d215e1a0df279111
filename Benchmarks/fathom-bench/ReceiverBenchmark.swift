import FathomReceiver
import FathomTestSupport
import Foundation
import Hummingbird
import Logging

/// Upload throughput and latency of an in-process TLS receiver under many concurrent nodes,
/// compared with the raw rate of durable single-writer appends on the same disk.
struct ReceiverBenchmark {
    var clients: Int
    var seconds: Double
    var bodyKiB: Int
    var maxUploads: Int
    var fsyncSeconds: Double
    var sharedHost: Bool

    /// Group commit should let concurrent uploads at least match one-sync-per-append on its own.
    static let throughputBar = 1.0
    static let p99BarMilliseconds = 50.0
    static let user = "bench"
    static let password = "bench-secret"

    func run() async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench")
        defer { scratch.remove() }
        // fsync figures on a tmpfs (or ramfs) measure nothing: refuse before any load runs.
        let filesystem = try ScratchFilesystem.check(scratch.path)
        print(
            "== receiver: \(clients) clients, \(fmt(seconds, 1)) s, \(bodyKiB) KiB bodies, "
                + (sharedHost ? "one host file shared by all clients" : "one host file per client")
                + ", every upload with its own Fathom-Batch-Id (ledger paid), scratch \(scratch.path) on \(filesystem) =="
        )

        let pkiDir = scratch.path + "/pki"
        try FileManager.default.createDirectory(atPath: pkiDir, withIntermediateDirectories: true)
        let pki = try TestPKI(in: pkiDir)
        let credentials = scratch.path + "/credentials"
        // A user uploads to the cluster of its own name.
        try "\(Self.user):\(Self.password)\n".write(toFile: credentials, atomically: true, encoding: .utf8)

        var settings = ReceiverSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.dataDirectory = scratch.path + "/data"
        settings.credentialsPath = credentials
        settings.tlsCertificatePath = pki.serverCertificate
        settings.tlsKeyPath = pki.serverKey
        var logger = Logger(label: "fathom-bench.receiver")
        // Cancelling the server at the end logs a benign CancellationError at .error; failed
        // uploads are counted by the clients instead, so only critical logs are worth showing.
        logger.logLevel = .critical

        let receiver = try await InProcessReceiver.start(settings: settings, logger: logger)
        let server = receiver.server
        let port = receiver.port

        let load = try await drive(
            url: "https://127.0.0.1:\(port)/sonar-freecsv?cluster=\(Self.user)", caPath: pki.caCertificate,
            server: server)

        // Stop serving before the baseline so the disk is quiet while it is measured.
        await receiver.stop()
        server.writer?.shutdown()

        let baseline = try FsyncBaseline.measure(directory: scratch.path, bytes: bodyKiB * 1024, seconds: fsyncSeconds)
        print(
            "raw single writer on the same disk (append \(bodyKiB) KiB + fdatasync): \(baseline.appends) appends in "
                + "\(fmt(baseline.seconds)) s = \(fmt(baseline.perSecond, 1)) appends/s")
        let ratio = load.uploadsPerSecond / baseline.perSecond
        print("ratio receiver uploads/s / raw fdatasync'd appends/s = \(fmt(ratio, 2))x")
        print("bar: ratio >= \(fmt(Self.throughputBar, 1))x: \(fmt(ratio, 2))x \(verdict(ratio >= Self.throughputBar))")
        print(
            "bar: p99 <= \(fmt(Self.p99BarMilliseconds, 0)) ms: \(fmt(load.p99 * 1000)) ms \(verdict(load.p99 * 1000 <= Self.p99BarMilliseconds))"
        )
    }

    private struct LoadFigures {
        var uploadsPerSecond: Double
        var p99: Double
    }

    /// Connects every client (untimed: the TLS handshake is a once-per-agent cost), then runs
    /// the timed phase and prints its figures.
    private func drive(url: String, caPath: String, server: ReceiverServer) async throws -> LoadFigures {
        let bodies = (0..<clients).map { i in
            UploadBody.make(host: sharedHost ? "node0" : "node\(i)", approximateBytes: bodyKiB * 1024)
        }
        // A run-unique prefix per client: no id repeats within or across runs on this data directory.
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let uploaders = try bodies.enumerated().map { index, body in
            try NodeUploader(
                caPath: caPath, url: url, user: Self.user, password: Self.password, body: body,
                batchPrefix: "\(run)-c\(index)")
        }
        // HTTPClient must be shut down explicitly, on the error path too.
        let figures: Result<LoadFigures, any Error>
        do {
            figures = .success(try await measure(uploaders, server: server, bodyBytes: bodies.map(\.count)))
        } catch {
            figures = .failure(error)
        }
        for u in uploaders { await u.shutdown() }
        return try figures.get()
    }

    private func measure(_ uploaders: [NodeUploader], server: ReceiverServer, bodyBytes: [Int]) async throws
        -> LoadFigures
    {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for u in uploaders { group.addTask { try await u.upload() } }
            for try await status in group where status != 200 {
                throw Subprocess.Failure(description: "warm-up upload got HTTP \(status)")
            }
        }

        let perClient = max(1, (maxUploads + clients - 1) / clients)
        let (groupsBefore, uploadsBefore) = server.writer!.counters
        // Clients and server share this process and its cores, so one CPU figure covers both.
        let cpuBefore = ResourceUsage.selfCPU()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let outcomes = await withTaskGroup(of: NodeUploader.Outcome.self) { group in
            for u in uploaders { group.addTask { await u.drive(until: deadline, limit: perClient) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = (clock.now - start).seconds
        let (groupsAfter, uploadsAfter) = server.writer!.counters
        let cpu = ResourceUsage.selfCPU() - cpuBefore

        let latencies = Percentiles(outcomes.flatMap(\.latencies))
        let failures = outcomes.reduce(0) { $0 + $1.failures }
        let ok = latencies.count
        let bytesPerBody = Double(bodyBytes.reduce(0, +)) / Double(clients)
        let rate = Double(ok) / elapsed
        print(
            "uploads: \(ok) ok (HTTP 200), \(failures) failed in \(fmt(elapsed)) s"
                + (outcomes.first { $0.firstFailure != nil }?.firstFailure.map { " (first failure: \($0))" } ?? ""))
        print(
            "throughput: \(fmt(rate, 1)) uploads/s, \(fmt(rate * bytesPerBody / 1e6)) MB/s (body \(Int(bytesPerBody)) bytes)"
        )
        print(
            "latency: p50 \(fmt(latencies.value(at: 50) * 1000)) ms, p99 \(fmt(latencies.value(at: 99) * 1000)) ms, "
                + "max \(fmt(latencies.max * 1000)) ms")
        let groups = groupsAfter - groupsBefore
        let uploads = uploadsAfter - uploadsBefore
        print(
            "writer: \(groups) sync groups for \(uploads) uploads = \(fmt(Double(uploads) / Double(max(groups, 1)))) uploads per group"
        )
        print(
            "bench process CPU (clients + receiver, TLS both ends): \(fmt(cpu.total / elapsed)) cores busy, "
                + "\(fmt(cpu.total / Double(max(ok, 1)) * 1000, 3)) ms per upload (user \(fmt(cpu.user, 2)) s + sys \(fmt(cpu.system, 2)) s)"
        )
        return LoadFigures(uploadsPerSecond: rate, p99: latencies.value(at: 99))
    }
}
