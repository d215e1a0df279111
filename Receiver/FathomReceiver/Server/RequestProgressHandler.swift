import NIOCore
import NIOHTTP1

/// Watches parsed HTTP/1 requests and their responses: tells `ConnectionDeadlineHandler` when a
/// request head has arrived and when every response is written, and gives requests that do not ask
/// for keep-alive (HTTP/1.0 without `Connection: keep-alive`, or `Connection: close`) close
/// semantics: `Connection: close` on the request (so Hummingbird stops reading after it) and on the
/// response, and the connection closed once the response is out.
///
/// ```swift
/// try channel.pipeline.syncOperations.configureHTTPServerPipeline()
/// try channel.pipeline.syncOperations.addHandler(RequestProgressHandler())
/// ```
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Keep-alive wish of each request read and not yet answered, oldest first (pipelining).
    private var pending: [Bool] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let keepAlive = head.isKeepAlive
        pending.append(keepAlive)
        if !keepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.triggerUserOutboundEvent(RequestProgress.headReceived, promise: nil)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where pending.first == false:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let keepAlive = pending.isEmpty ? true : pending.removeFirst()
            if keepAlive {
                context.write(data, promise: promise)
            } else {
                let written = promise ?? context.eventLoop.makePromise(of: Void.self)
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                context.write(data, promise: written)
            }
            if pending.isEmpty { context.triggerUserOutboundEvent(RequestProgress.responsesDone, promise: nil) }
        default:
            context.write(data, promise: promise)
        }
    }
}

@available(*, unavailable)
extension RequestProgressHandler: Sendable {}
