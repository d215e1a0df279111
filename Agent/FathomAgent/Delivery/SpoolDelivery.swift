import FathomShared
import Logging

/// Delivers the spool to the receiver, oldest batch first, deleting a batch only once the
/// receiver acknowledged it. A batch the receiver refuses for good (400, 413) is quarantined,
/// not deleted, so an operator can still look at it; anything else is retried with capped
/// exponential backoff and jitter.
public struct SpoolDelivery: Sendable {
    public let spool: SpoolDirectory
    public let client: ReceiverClient
    public let backoff: RetryBackoff
    public let logger: Logger

    public init(spool: SpoolDirectory, client: ReceiverClient, backoff: RetryBackoff = RetryBackoff(), logger: Logger) {
        self.spool = spool
        self.client = client
        self.backoff = backoff
        self.logger = logger
    }

    /// How a drain ended.
    public struct Outcome: Sendable, Equatable {
        public var delivered = 0
        public var quarantined = 0
        /// Batches still in the spool because the receiver could not be reached or failed.
        public var remaining = 0
        public var lastError: String?
    }

    /// Sends batches until the spool is empty, or until a batch has failed `maxAttempts` times
    /// in a row (nil: keep trying forever, as the daemon does).
    public func drain(maxAttempts: Int? = nil) async -> Outcome {
        var outcome = Outcome()
        var attempt = 0
        var rng = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let pending: [SpoolBatch]
            do {
                pending = try spool.pending()
            } catch {
                logger.error("cannot list spool", metadata: ["error": "\(error)"])
                outcome.lastError = "\(error)"
                return outcome
            }
            guard let batch = pending.first else { return outcome }
            let payload: [UInt8]
            do {
                payload = Array(try spool.load(batch).payload)
            } catch SpoolError.missing {
                continue
            } catch {
                // load() quarantines what it cannot read; go on with the next batch.
                outcome.quarantined += 1
                continue
            }
            guard let kind = UploadKind(rawValue: batch.kind) else {
                spool.quarantine(batch, reason: "unknown batch kind \(batch.kind)")
                outcome.quarantined += 1
                continue
            }
            switch await client.upload(kind: kind, batchID: batch.id, payload: payload) {
            case .acknowledged:
                do {
                    try spool.remove(batch)
                } catch {
                    logger.error("cannot remove delivered batch", metadata: ["batch": "\(batch.id)", "error": "\(error)"])
                    outcome.lastError = "\(error)"
                    return outcome
                }
                outcome.delivered += 1
                attempt = 0
            case .refused(let status, let message):
                logger.error(
                    "receiver refused batch; quarantined",
                    metadata: ["batch": "\(batch.id)", "status": "\(status)", "reason": "\(message)"])
                spool.quarantine(batch, reason: "HTTP \(status): \(message)")
                outcome.quarantined += 1
            case .retryLater(let reason):
                attempt += 1
                outcome.lastError = reason
                if let maxAttempts, attempt >= maxAttempts {
                    outcome.remaining = (try? spool.pending().count) ?? pending.count
                    logger.warning("delivery paused; batches stay in the spool", metadata: [
                        "remaining": "\(outcome.remaining)", "reason": "\(reason)",
                    ])
                    return outcome
                }
                let delay = backoff.delay(attempt: attempt - 1, using: &rng)
                logger.warning("upload failed; will retry", metadata: ["reason": "\(reason)", "retry_in": "\(delay)"])
                do { try await Task.sleep(for: delay) } catch { break }
            }
        }
        outcome.remaining = (try? spool.pending().count) ?? 0
        return outcome
    }
}
