import AsyncHTTPClient
import FathomShared
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// How the receiver answered one upload.
public enum DeliveryResult: Sendable, Equatable {
    /// 200: durably stored (or a replay of a stored batch). The spool may drop it.
    case acknowledged
    /// This receiver cannot take the batch now (no connection, a timeout, 429, 5xx): keep it, and
    /// try the next receiver of the list at once (``FailoverOrder``), else retry later.
    case unavailable(String)
    /// An answer every receiver of the fleet would give alike (authentication, a redirect, an
    /// unexpected status) that an operator can fix: keep the batch and retry later, here.
    case retryLater(String)
    /// The receiver refused this content for good (400, 413), or the agent cannot send it at all
    /// (status 0: unreadable record, unknown kind): retrying cannot help.
    case refused(status: Int, message: String)
}

/// Uploads spooled batches to the receiver over one keep-alive HTTPS connection, with Basic
/// auth, the exact content type the Jobanalyzer endpoints demand, and a `Fathom-Batch-Id`
/// header so a batch resent after a lost acknowledgement is not stored twice. Each upload also
/// names the agent's version and its spool backlog (`WireHeaders`), for the receiver's fleet page.
///
/// ```swift
/// let client = try ReceiverClient(endpoint: endpoint, http: http)
/// let result = await client.upload(kind: .samples, batchID: id, payload: bytes, backlog: SpoolBacklog(batches: 1, bytes: 900))
/// ```
public final class ReceiverClient: FailoverTarget {
    public let endpoint: ReceiverEndpoint
    /// The agent's shared client; its owner shuts it down.
    public let http: AgentHTTPClient
    private let authorization: String
    private let timeout: TimeAmount

    public init(endpoint: ReceiverEndpoint, http: AgentHTTPClient, timeoutSeconds: Int64 = 60) throws(ConfigError) {
        if let problem = endpoint.validationError() { throw ConfigError(problem) }
        self.endpoint = endpoint
        self.http = http
        authorization = BasicAuthorization.header(user: endpoint.user, password: endpoint.password)
        timeout = .seconds(timeoutSeconds)
    }

    public var address: String { endpoint.baseURL }

    public func upload(kind: UploadKind, batchID: String, payload: [UInt8], backlog: SpoolBacklog? = nil) async
        -> DeliveryResult
    {
        var request = HTTPClientRequest(url: endpoint.url(path: kind.path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: kind.contentType)
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: WireHeaders.batchID, value: batchID)
        request.headers.add(name: WireHeaders.agentVersion, value: FathomVersion.string)
        if let backlog { request.headers.add(name: WireHeaders.spoolBacklog, value: backlog.headerValue) }
        request.headers.add(name: "User-Agent", value: "fathom-agent/\(FathomVersion.string)")
        request.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let response = try await http.client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 * 1024)
            let message = String(buffer: body).trimmingWhitespace()
            switch response.status.code {
            case 200...299:
                return .acknowledged
            case 400, 413:
                return .refused(status: Int(response.status.code), message: message)
            case 429, 500...599:
                return .unavailable("HTTP \(response.status.code) \(message)")
            default:
                return .retryLater("HTTP \(response.status.code) \(message)")
            }
        } catch {
            return .unavailable("\(error)")
        }
    }
}
