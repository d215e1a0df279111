import FathomShared

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
    private let timeoutSeconds: Int64

    public init(endpoint: ReceiverEndpoint, http: AgentHTTPClient, timeoutSeconds: Int64 = 60) throws(ConfigError) {
        if let problem = endpoint.validationError() { throw ConfigError(problem) }
        self.endpoint = endpoint
        self.http = http
        authorization = BasicAuthorization.header(user: endpoint.user, password: endpoint.password)
        self.timeoutSeconds = timeoutSeconds
    }

    public var address: String { endpoint.baseURL }

    public func upload(kind: UploadKind, batchID: String, payload: [UInt8], backlog: SpoolBacklog? = nil) async
        -> DeliveryResult
    {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", kind.contentType),
            ("Authorization", authorization),
            (WireHeaders.batchID, batchID),
            (WireHeaders.agentVersion, FathomVersion.string),
        ]
        if let backlog { headers.append((WireHeaders.spoolBacklog, backlog.headerValue)) }
        headers.append(("User-Agent", "fathom-agent/\(FathomVersion.string)"))
        let request = AgentHTTPRequest(
            method: "POST", url: endpoint.url(path: kind.path), headers: headers, body: payload)
        do {
            let response = try await http.execute(request, timeoutSeconds: timeoutSeconds, maxBodyBytes: 64 * 1024)
            let message = response.text.trimmingWhitespace()
            switch response.status {
            case 200...299:
                return .acknowledged
            case 400, 413:
                return .refused(status: response.status, message: message)
            case 429, 500...599:
                return .unavailable("HTTP \(response.status) \(message)")
            default:
                return .retryLater("HTTP \(response.status) \(message)")
            }
        } catch {
            // Every receiver of the fleet would answer alike; another one cannot help.
            if case .redirectRefused = error { return .retryLater("\(error)") }
            return .unavailable("\(error)")
        }
    }
}
