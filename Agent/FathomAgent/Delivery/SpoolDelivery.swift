import FathomShared
import Logging

/// Delivers the spool to the receiver, oldest batch first, deleting a batch only once the
/// receiver acknowledged it. A batch the receiver refuses for good (400, 413) is quarantined,
/// not deleted, so an operator can still look at it; anything else is retried with capped
/// exponential backoff and jitter.
///
/// Each route may have several receivers (``FailoverOrder``): a batch one of them cannot take
/// now goes to the next at once; only a round in which none took it counts as a failure.
///
/// Samples and sysinfo go to the receiver's upload endpoints, measurement records to its esmond
/// archive. The two routes fail independently: while one is down, the other's batches still go
/// out (in order within each route).
///
/// ```swift
/// let delivery = SpoolDelivery(spool: spool, client: client, archive: archive, logger: logger)
/// let outcome = await delivery.drain(maxAttempts: 3)
/// ```
public struct SpoolDelivery: Sendable {
    public let spool: SpoolDirectory
    /// The receivers samples and sysinfo go to, in this agent's order.
    public let receivers: FailoverOrder<ReceiverClient>
    /// The archives measurement records go to; nil quarantines them (no archive is configured).
    public let archives: FailoverOrder<EsmondArchiveClient>?
    public let backoff: RetryBackoff
    public let logger: Logger
    /// Each send is one step of the "delivery" loop: a send that never returns starves the watchdog.
    public let liveness: Liveness?
    /// Counts deliveries for the node_exporter textfile (`[metrics] textfile`); nil counts nothing.
    public var metrics: AgentMetrics?

    public init(
        spool: SpoolDirectory, receivers: FailoverOrder<ReceiverClient>,
        archives: FailoverOrder<EsmondArchiveClient>? = nil,
        backoff: RetryBackoff = RetryBackoff(), logger: Logger, liveness: Liveness? = nil
    ) {
        self.spool = spool
        self.receivers = receivers
        self.archives = archives
        self.backoff = backoff
        self.logger = logger
        self.liveness = liveness
    }

    /// One receiver and at most one archive.
    public init(
        spool: SpoolDirectory, client: ReceiverClient, archive: EsmondArchiveClient? = nil,
        backoff: RetryBackoff = RetryBackoff(),
        logger: Logger, liveness: Liveness? = nil
    ) {
        self.init(
            spool: spool, receivers: FailoverOrder(ordered: [client]),
            archives: archive.map { FailoverOrder(ordered: [$0]) },
            backoff: backoff, logger: logger, liveness: liveness)
    }

    /// How a drain ended.
    public struct Outcome: Sendable, Equatable {
        public var delivered = 0
        public var quarantined = 0
        /// Batches still in the spool because the receiver could not be reached or failed.
        public var remaining = 0
        public var lastError: String?
    }

    /// The endpoint family a batch goes to; a failure holds back only its own route.
    enum Route: Hashable {
        case receiver, archive
    }

    static func route(of batch: SpoolBatch) -> Route {
        batch.kind == MeasurementRecord.spoolKind ? .archive : .receiver
    }

    /// Sends batches until the spool is empty, or until every route still holding batches has
    /// failed `maxAttempts` rounds in a row (nil: keep trying forever, as the daemon does).
    ///
    /// The pass's connections are closed when it ends: the next pass is a send window away, and
    /// over HTTPS each kept connection of the `run` daemon holds a TLS relay process.
    public func drain(maxAttempts: Int? = nil) async -> Outcome {
        let outcome = await sendPending(maxAttempts: maxAttempts)
        var closed: Set<ObjectIdentifier> = []
        let clients = receivers.targets.map(\.http) + (archives?.targets.map(\.http) ?? [])
        for http in clients where closed.insert(ObjectIdentifier(http)).inserted {
            await http.closeIdleConnections()
        }
        return outcome
    }

    private func sendPending(maxAttempts: Int?) async -> Outcome {
        var outcome = Outcome()
        var attempt = 0
        var blocked: Set<Route> = []
        var rng = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let pending: [SpoolBatch]
            do {
                pending = try await BlockingWork.run { [spool] in try spool.pending() }
            } catch {
                logger.error("cannot list spool", metadata: ["error": "\(error)"])
                outcome.lastError = "\(error)"
                return outcome
            }
            if pending.isEmpty { return outcome }
            guard let batch = pending.first(where: { !blocked.contains(Self.route(of: $0)) }) else {
                // Every route with work failed this round: back off, then try them all again.
                attempt += 1
                if let maxAttempts, attempt >= maxAttempts {
                    outcome.remaining = pending.count
                    logger.warning(
                        "delivery paused; batches stay in the spool",
                        metadata: [
                            "remaining": "\(outcome.remaining)", "reason": "\(outcome.lastError ?? "")",
                        ])
                    return outcome
                }
                let delay = backoff.delay(attempt: attempt - 1, using: &rng)
                logger.warning(
                    "upload failed; will retry",
                    metadata: ["reason": "\(outcome.lastError ?? "")", "retry_in": "\(delay)"])
                do { try await Task.sleep(for: delay) } catch { break }
                blocked.removeAll()
                continue
            }
            let payload: [UInt8]
            do {
                payload = try await BlockingWork.run { [spool] in try spool.load(batch).payload }
            } catch SpoolError.missing {
                continue
            } catch {
                // load() quarantines what it cannot read; go on with the next batch.
                outcome.quarantined += 1
                continue
            }
            // What is still to go, this batch included: the receiver's fleet page shows it.
            let backlog = SpoolBacklog(batches: pending.count, bytes: pending.reduce(0) { $0 + $1.fileSize })
            switch await send(batch, payload: payload, backlog: backlog) {
            case .acknowledged:
                metrics?.delivered(at: Self.now())
                do {
                    try await BlockingWork.run { [spool] in try spool.remove(batch) }
                } catch {
                    logger.error(
                        "cannot remove delivered batch", metadata: ["batch": "\(batch.id)", "error": "\(error)"])
                    outcome.lastError = "\(error)"
                    return outcome
                }
                outcome.delivered += 1
                attempt = 0
            case .refused(let status, let message):
                logger.error(
                    status == 0 ? "batch cannot be sent; quarantined" : "receiver refused batch; quarantined",
                    metadata: [
                        "batch": "\(batch.id)", "kind": "\(batch.kind)", "status": "\(status)", "reason": "\(message)",
                    ])
                // Status 0: refused here, before any request (unreadable or unroutable batch).
                let reason = status == 0 ? message : "HTTP \(status): \(message)"
                await BlockingWork.run { [spool] in spool.quarantine(batch, reason: reason) }
                outcome.quarantined += 1
            case .retryLater(let reason), .unavailable(let reason):
                outcome.lastError = reason
                blocked.insert(Self.route(of: batch))
            }
        }
        outcome.remaining = (try? await BlockingWork.run { [spool] in try spool.pending().count }) ?? 0
        return outcome
    }

    static func now() -> Double { SampleSchedule.now() }

    private func send(_ batch: SpoolBatch, payload: [UInt8], backlog: SpoolBacklog) async -> DeliveryResult {
        guard let liveness else { return await sendNow(batch, payload: payload, backlog: backlog) }
        return await liveness.step("delivery") { await sendNow(batch, payload: payload, backlog: backlog) }
    }

    private func sendNow(_ batch: SpoolBatch, payload: [UInt8], backlog: SpoolBacklog) async -> DeliveryResult {
        switch Self.route(of: batch) {
        case .archive:
            guard let archives else {
                return .refused(status: 0, message: "no archive is configured for measurement records")
            }
            let attempt = await archives.send { await $0.upload(payload: payload) }
            report(attempt, batch: batch, role: "archive")
            return attempt.result
        case .receiver:
            guard let kind = UploadKind(rawValue: batch.kind) else {
                return .refused(status: 0, message: "unknown batch kind \(batch.kind)")
            }
            let attempt = await receivers.send {
                await $0.upload(kind: kind, batchID: batch.id, payload: payload, backlog: backlog)
            }
            report(attempt, batch: batch, role: "receiver")
            return attempt.result
        }
    }

    /// Logs which receiver (or archive) took the batch, and each one passed over on the way.
    private func report<Target>(_ attempt: FailoverOrder<Target>.Attempt, batch: SpoolBatch, role: String) {
        for (target, reason) in attempt.passedOver {
            logger.warning(
                "\(role) unavailable; trying the next",
                metadata: [
                    "batch": "\(batch.id)", role: "\(target.address)", "reason": "\(reason)",
                ])
        }
        if attempt.failedOver { metrics?.failedOver() }
        guard case .acknowledged = attempt.result else { return }
        let metadata: Logger.Metadata = [
            "batch": "\(batch.id)", "kind": "\(batch.kind)", role: "\(attempt.target.address)",
        ]
        if attempt.failedOver {
            logger.notice("batch delivered after failover; later batches go here too", metadata: metadata)
        } else {
            logger.debug("batch delivered", metadata: metadata)
        }
    }
}
