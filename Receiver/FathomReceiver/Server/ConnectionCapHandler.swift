import Logging
import NIOCore

/// Caps the connections open at once on the listening socket: an accepted connection beyond the
/// cap is closed at once, so the client learns immediately instead of waiting in a backlog that
/// never drains, and the receiver keeps the descriptors and memory for the connections it serves.
/// Refusals are logged within a `LogBudget`.
///
/// ```swift
/// try serverChannel.pipeline.syncOperations.addHandler(
///     ConnectionCapHandler(maxConnections: 4096, logger: logger), position: .first)
/// ```
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    let maxConnections: Int
    private let logger: Logger
    private let refusalLog = LogBudget(lines: 5, per: .seconds(10))
    private var open = 0
    private var refused = 0

    init(maxConnections: Int, logger: Logger) {
        self.maxConnections = maxConnections
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        guard open < maxConnections else {
            refused += 1
            if let suppressed = refusalLog.admit() {
                logger.warning(
                    "connection refused: too many open connections",
                    metadata: [
                        "limit": "\(maxConnections)", "peer": "\(child.remoteAddress?.description ?? "?")",
                        "refused": "\(refused)", "suppressed": "\(suppressed)",
                    ])
            }
            // Not registered yet: closing only releases the socket, which the client sees as a reset.
            child.close(promise: nil)
            return
        }
        open += 1
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        child.closeFuture.hop(to: context.eventLoop).whenComplete { _ in loopBound.value.open -= 1 }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ConnectionCapHandler: Sendable {}
