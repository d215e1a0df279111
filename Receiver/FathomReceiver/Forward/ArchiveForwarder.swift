import FathomShared
import Logging
import ServiceLifecycle

/// Forwards the archive to one RabbitMQ destination, at least once and never lost: plan a batch
/// (`ArchiveForwardLog.nextBatch`), publish it with confirms (`AMQPPublisher`), and only then
/// move the cursor. Any failure (broker down, refused login, nack, timeout) drops the connection
/// and retries the same planned batch after a back-off of 1 s doubling to 60 s, so a broker
/// outage delays delivery and loses nothing. Idle, it polls the log every second while the
/// connection services heartbeats. Graceful shutdown ends it between batches.
public struct ArchiveForwarder: Service {
    public let forward: ForwardSettings
    public let log: ArchiveForwardLog
    public let logger: Logger
    /// Where the backlog (every 5 s) and confirmed records go, when set.
    public var metrics: ReceiverMetrics?
    public var pollInterval: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(60)

    public init(forward: ForwardSettings, log: ArchiveForwardLog, logger: Logger) {
        self.forward = forward
        self.log = log
        self.logger = logger
    }

    public func run() async throws {
        var publisher: AMQPPublisher?
        var failures = 0
        var faults = try CommitFaults.fromEnvironment()
        let destination = forward.name
        var gaugedAt: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let metrics, gaugedAt.map({ $0.duration(to: .now) >= .seconds(5) }) ?? true,
                let row = try? await log.status().first(where: { $0.destination == destination })
            {
                metrics.forwardBacklog(destination: destination, stream: row.stream, records: row.backlog)
                gaugedAt = .now
            }
            do {
                let connected: AMQPPublisher
                if let publisher {
                    connected = publisher
                } else {
                    let password = try forward.password()
                    connected = try await BlockingWork.run { [forward] () throws(ForwardError) in
                        try AMQPPublisher(forward, password: password)
                    }
                    publisher = connected
                    logger.notice(
                        "forwarding the archive",
                        metadata: ["destination": "\(destination)", "broker": "\(forward.address)"])
                }
                guard let batch = try await log.nextBatch(destination: destination) else {
                    try await BlockingWork.run { [pollInterval] () throws(ForwardError) in
                        try connected.idle(for: pollInterval)
                    }
                    continue
                }
                let messages = PSDataMessage.messages(for: batch, forward: forward)
                try await BlockingWork.run { () throws(ForwardError) in try connected.publish(messages) }
                faults.reached(.afterForwardConfirm)
                try await log.complete(destination: destination, through: batch.through)
                metrics?.forwarded(
                    destination: destination, stream: ArchiveForwardLog.stream, records: batch.points.count)
                failures = 0
            } catch {
                if let closing = publisher { await BlockingWork.run { closing.close() } }
                publisher = nil
                failures += 1
                let wait = Self.backoff(failures: failures, max: maxBackoff)
                logger.warning(
                    "forwarding the archive failed; the batch is sent again",
                    metadata: ["destination": "\(destination)", "error": "\(error)", "retry_in": "\(wait)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
        if let closing = publisher { await BlockingWork.run { closing.close() } }
    }

    /// 1 s, 2 s, 4 s … capped at `max`.
    static func backoff(failures: Int, max: Duration) -> Duration {
        let seconds = 1 << Swift.min(failures - 1, 20)
        return Swift.min(.seconds(seconds), max)
    }
}
