import Hummingbird
import NIOCore

/// Request context that remembers the peer address, for rejection log lines.
public struct IngestRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Uploads are limited by `ReceiverSettings.maxBodyBytes` in the handlers; this is the outer cap.
    public var maxUploadSize: Int { Int.max }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
