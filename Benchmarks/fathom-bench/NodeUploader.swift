import FathomShared
import FathomTestSupport
import NIOCore
import Synchronization

/// One simulated node: its own `UploadClient` holding a single keep-alive TLS connection, posting
/// the same free-CSV body over and over, waiting for each 200 (= fsynced) before the next.
///
/// Each upload carries a fresh `Fathom-Batch-Id`, as every real agent's does, so the receiver
/// pays its batch ledger (look-up, append and sync) on every upload, as it does in production.
struct NodeUploader: Sendable {
    let client: UploadClient
    let url: String
    let authorization: String
    let body: ByteBuffer
    /// Unique per node in this run; the batch id is this prefix and a counter.
    let batchPrefix: String
    private let uploads = Counter()

    init(caPath: String, url: String, user: String, password: String, body: [UInt8], batchPrefix: String) throws {
        // One connection per client, as one agent per node would hold.
        client = try UploadClient(caFile: caPath, connectionsPerHost: 1)
        self.url = url
        authorization = BasicAuthorization.header(user: user, password: password)
        self.body = ByteBuffer(bytes: body)
        self.batchPrefix = batchPrefix
    }

    /// One upload; returns the HTTP status.
    func upload() async throws -> Int {
        let batch = batchPrefix + "-" + String(uploads.next())
        let reply = try await client.send(
            url, buffer: body, headers: [("Authorization", authorization), ("Fathom-Batch-Id", batch)])
        return reply.status
    }

    /// What one node saw during the timed phase.
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

    func shutdown() async { await client.shutdown() }
}

/// A thread-safe counter for batch ids (uploads of one node run one at a time, but the type must
/// be Sendable).
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
