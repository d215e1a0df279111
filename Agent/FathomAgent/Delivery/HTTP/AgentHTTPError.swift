/// Why an upload request got no usable answer, in words an operator can act on: the host and port,
/// the step that failed, and for a refused certificate OpenSSL's reason (expired, host-name mismatch,
/// unknown or self-signed issuer).
public enum AgentHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not `http(s)://host[:port][/path]`.
    case invalidURL(String)
    /// `getaddrinfo` found no address for the host.
    case nameResolution(host: String, reason: String)
    /// Every address of the host refused the connection (nothing listens there).
    case connectionRefused(endpoint: String)
    /// `connect` failed for another reason (no route, network down).
    case connectFailed(endpoint: String, reason: String)
    /// A wait (connect, TLS handshake, write, read) ran past its time.
    case timeout(endpoint: String, step: String, seconds: Double)
    /// The server's certificate did not verify; `reason` is `X509_verify_cert_error_string`'s.
    case certificateRefused(endpoint: String, reason: String)
    /// The TLS handshake failed for a reason other than the certificate (protocol version, cipher).
    case tlsHandshake(endpoint: String, reason: String)
    /// The TLS context could not be made (an unreadable CA file or client certificate).
    case tlsSetup(String)
    /// The peer closed or reset the connection mid-exchange.
    case connectionClosed(endpoint: String, step: String)
    /// A read or write failed with an errno.
    case io(endpoint: String, step: String, reason: String)
    /// The answer is not HTTP/1.x as RFC 9112 writes it.
    case malformedResponse(endpoint: String, reason: String)
    /// The body is longer than the caller takes.
    case responseTooLarge(endpoint: String, limit: Int)
    /// A 3xx answer: the agent never follows redirects (credentials must not travel to another host).
    case redirectRefused(url: String, status: Int, location: String)
    /// The client was shut down before this request.
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL \(url): expected http(s)://host[:port][/path]"
        case .nameResolution(let host, let reason): "cannot resolve \(host): \(reason)"
        case .connectionRefused(let endpoint): "connection to \(endpoint) refused"
        case .connectFailed(let endpoint, let reason): "cannot connect to \(endpoint): \(reason)"
        case .timeout(let endpoint, let step, let seconds):
            "\(endpoint): no progress \(step) within \(Self.seconds(seconds))"
        case .certificateRefused(let endpoint, let reason):
            "TLS certificate of \(endpoint) refused: \(reason)"
        case .tlsHandshake(let endpoint, let reason): "TLS handshake with \(endpoint) failed: \(reason)"
        case .tlsSetup(let reason): "TLS setup failed: \(reason)"
        case .connectionClosed(let endpoint, let step): "\(endpoint) closed the connection \(step)"
        case .io(let endpoint, let step, let reason): "\(endpoint): \(step) failed: \(reason)"
        case .malformedResponse(let endpoint, let reason): "malformed HTTP response from \(endpoint): \(reason)"
        case .responseTooLarge(let endpoint, let limit): "response from \(endpoint) exceeds \(limit) bytes"
        case .redirectRefused(let url, let status, let location):
            "\(url) answered HTTP \(status) redirecting to \(location.isEmpty ? "(no Location)" : location); "
                + "redirects are not followed: configure the final URL"
        case .shutDown: "HTTP client already shut down"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
