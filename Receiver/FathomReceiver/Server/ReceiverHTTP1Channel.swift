import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with the receiver's connection hygiene in the pipeline:
///
/// `[TLS] → ConnectionDeadlineHandler → HTTP/1 codec → RequestProgressHandler → HTTP types codec →
/// idle timeout → Hummingbird`
///
/// It is Hummingbird's `HTTP1Channel` set up by hand because `RequestProgressHandler` must see the
/// HTTP version and `Connection` header, which the HTTP-types codec drops, and the deadline handler
/// must see bytes before any parsing.
///
/// ```swift
/// let server = HTTPServerBuilder { responder in
///     try TLSChannel(ReceiverHTTP1Channel(responder: responder, policy: policy, tls: true), tlsConfiguration: tls)
/// }
/// ```
struct ReceiverHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let policy: ConnectionPolicy
    /// Whether a TLS handler sits in front, whose handshake is then timed.
    let tls: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(
                ConnectionDeadlineHandler(
                    handshakeTimeout: tls ? policy.handshakeTimeout.timeAmount : nil,
                    headerTimeout: policy.headerTimeout.timeAmount))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel serialises requests
                withErrorHandling: false,  // Hummingbird answers parse errors
                withOutboundHeaderValidation: false,  // HTTP types already validate
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: .init()
            )
            try pipeline.addHandler(RequestProgressHandler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: policy.idleTimeout, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
