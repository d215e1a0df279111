import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake, or whose next request head, takes too long. It sits
/// right after TLS (or first, on plain HTTP) and so sees the decrypted bytes: the header clock
/// starts at the first byte of a request and is not moved by the bytes that follow, so a client
/// trickling one byte a second (slowloris) is closed at the deadline all the same. Keep-alive
/// idleness between requests is Hummingbird's idle timeout; body reads are not timed here.
///
/// ```swift
/// try channel.pipeline.syncOperations.addHandler(
///     ConnectionDeadlineHandler(handshakeTimeout: .seconds(10), headerTimeout: .seconds(10)))
/// ```
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case notStarted, handshaking, awaitingRequest, readingHead, inRequest
    }

    private let handshakeTimeout: TimeAmount?
    private let headerTimeout: TimeAmount
    private var phase = Phase.notStarted
    private var deadline: Scheduled<Void>?

    /// `handshakeTimeout` nil: no TLS in front, the first request may come at once.
    init(handshakeTimeout: TimeAmount?, headerTimeout: TimeAmount) {
        self.handshakeTimeout = handshakeTimeout
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, phase == .handshaking {
            cancelDeadline()
            phase = .awaitingRequest
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .awaitingRequest {
            phase = .readingHead
            arm(context, in: headerTimeout)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let progress = event as? RequestProgress else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch progress {
        case .headReceived:
            cancelDeadline()
            phase = .inRequest
        case .responsesDone:
            if phase == .inRequest { phase = .awaitingRequest }
        }
        promise?.succeed()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard phase == .notStarted else { return }
        if let handshakeTimeout {
            phase = .handshaking
            arm(context, in: handshakeTimeout)
        } else {
            phase = .awaitingRequest
        }
    }

    private func arm(_ context: ChannelHandlerContext, in amount: TimeAmount) {
        cancelDeadline()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: amount) {
            self.deadline = nil
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
