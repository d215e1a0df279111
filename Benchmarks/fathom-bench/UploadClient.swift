import AsyncHTTPClient
import FathomShared
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// One simulated node: its own HTTPClient holding a single keep-alive TLS connection, posting
/// the same free-CSV body over and over, waiting for each 200 (= fsynced) before the next.
///
/// Each upload carries a fresh `Fathom-Batch-Id`, as every real agent's does, so the receiver
/// pays its batch ledger (look-up, append and sync) on every upload, as it does in production.
struct UploadClient: Sendable {
    let http: HTTPClient
    let url: String
    let authorization: String
    let body: ByteBuffer
    /// Unique per client in this run; the batch id is this prefix and a counter.
    let batchPrefix: String
    private let uploads = Counter()

    init(caPath: String, url: String, user: String, password: String, body: [UInt8], batchPrefix: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.httpVersion = .http1Only
        // One connection per client, as one agent per node would hold.
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.url = url
        authorization = BasicAuthorization.header(user: user, password: password)
        self.body = ByteBuffer(bytes: body)
        self.batchPrefix = batchPrefix
    }

    /// One upload; returns the HTTP status.
    func upload() async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/csv")
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Fathom-Batch-Id", value: batchPrefix + "-" + String(uploads.next()))
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(30))
        // Drain the (empty) body so the connection goes back to the pool for the next request.
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    /// What one client saw during the timed phase.
    struct Outcome: Sendable {
        var latencies: [Double] = []
        var failures = 0
        var firstFailure: String?
    }

    /// Uploads back to back until `deadline` or `limit` uploads, whichever comes first.
    func drive(until deadline: ContinuousClock.Instant, limit: Int) async -> Outcome {
        let clock = ContinuousClock()
        var outcome = Outcome()
        outcome.latencies.reserveCapacity(min(limit, 100_000))
        var attempts = 0
        while attempts < limit, clock.now < deadline {
            attempts += 1
            let start = clock.now
            do {
                let status = try await upload()
                if status == 200 {
                    outcome.latencies.append((clock.now - start).seconds)
                } else {
                    outcome.failures += 1
                    outcome.firstFailure = outcome.firstFailure ?? "HTTP \(status)"
                }
            } catch {
                outcome.failures += 1
                outcome.firstFailure = outcome.firstFailure ?? "\(error)"
            }
        }
        return outcome
    }

    func shutdown() async { try? await http.shutdown() }
}

/// A thread-safe counter for batch ids (uploads of one client run one at a time, but the type
/// must be Sendable).
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
