import FathomShared
import Logging
import ServiceLifecycle

/// Forwards one stream (the archive's points, the samples) to one RabbitMQ destination, at least
/// once and never lost: plan a batch (`ForwardSource.nextBatch`), publish it with confirms
/// (`AMQPPublisher`), and only then move the cursor. Any failure (broker down, refused login, nack, timeout) drops the connection
/// and retries the same planned batch after a back-off of 1 s doubling to 60 s, so a broker
/// outage delays delivery and loses nothing. Idle, it polls the log every second while the
/// connection services heartbeats. Graceful shutdown ends it between batches.
public struct Forwarder: Service {
    public let forward: ForwardSettings
    public let source: any ForwardSource
    public let logger: Logger
    /// Where the backlog (every 5 s) and confirmed records go, when set.
    public var metrics: ReceiverMetrics?
    public var pollInterval: Duration = .seconds(1)
    public var maxBackoff: Duration = .seconds(60)

    public init(forward: ForwardSettings, source: any ForwardSource, logger: Logger) {
        self.forward = forward
        self.source = source
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
                let row = try? await source.status().first(where: { $0.destination == destination })
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
                        "forwarding",
                        metadata: [
                            "stream": "\(source.stream)", "destination": "\(destination)",
                            "broker": "\(forward.address)",
                        ])
                }
                guard let batch = try await source.nextBatch(for: forward) else {
                    try await BlockingWork.run { [pollInterval] () throws(ForwardError) in
                        try connected.idle(for: pollInterval)
                    }
                    continue
                }
                let messages = batch.messages
                try await BlockingWork.run { () throws(ForwardError) in try connected.publish(messages) }
                faults.reached(.afterForwardConfirm)
                try await source.complete(destination: destination, through: batch.through)
                metrics?.forwarded(
                    destination: destination, stream: source.stream, records: batch.records)
                failures = 0
            } catch {
                if let closing = publisher { await BlockingWork.run { closing.close() } }
                publisher = nil
                failures += 1
                let wait = Self.backoff(failures: failures, max: maxBackoff)
                logger.warning(
                    "forwarding failed; the batch is sent again",
                    metadata: [
                        "stream": "\(source.stream)", "destination": "\(destination)", "error": "\(error)",
                        "retry_in": "\(wait)",
                    ])
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
