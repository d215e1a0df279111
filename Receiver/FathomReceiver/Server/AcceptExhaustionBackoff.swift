import Logging
import NIOCore

/// Stops accepting for a while when `accept` fails with EMFILE or ENFILE (no descriptors left).
///
/// NIO's own `AcceptBackoffHandler` is in every `ServerBootstrap` pipeline, but it can only delay
/// the next `read`; when the very first `accept` of a wake-up fails, the server channel keeps its
/// read pending and stays registered for readability, so the level-triggered listening socket (its
/// backlog is not empty) wakes the event loop again at once and the loop spins at 100% CPU while
/// every new connection waits. This handler turns `autoRead` off, which deregisters the socket,
/// and back on after a backoff that doubles while the errors go on (10 ms to 1 s).
///
/// ```swift
/// try serverChannel.pipeline.syncOperations.addHandler(AcceptExhaustionBackoff(logger: logger), position: .first)
/// ```
final class AcceptExhaustionBackoff: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    static let firstDelay = TimeAmount.milliseconds(10)
    static let longestDelay = TimeAmount.seconds(1)

    private let logger: Logger
    private let log = LogBudget(lines: 1, per: .seconds(10))
    private var delay = AcceptExhaustionBackoff.firstDelay
    private var resume: Scheduled<Void>?
    private var failures = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // An accept succeeded: descriptors are back.
        delay = Self.firstDelay
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let io = error as? IOError, io.errnoCode == EMFILE || io.errnoCode == ENFILE else {
            context.fireErrorCaught(error)
            return
        }
        failures += 1
        if let suppressed = log.admit() {
            logger.error(
                "out of file descriptors; accepting paused",
                metadata: [
                    "error": "\(io)", "pause_ms": "\(delay.nanoseconds / 1_000_000)",
                    "failures": "\(failures)", "suppressed": "\(suppressed)",
                ])
        }
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(ChannelOptions.autoRead, value: false)
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.resume = nil
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
        delay = min(delay * 2, Self.longestDelay)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }
}

@available(*, unavailable)
extension AcceptExhaustionBackoff: Sendable {}

#if canImport(Glibc)
    import Glibc
#endif
