import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The agent's one HTTPS client, with its one connection pool, shared by both uploaders
/// (``ReceiverClient`` for samples and sysinfo, ``EsmondArchiveClient`` for measurement records):
/// one keep-alive connection per host, the operator's private CA when given, connect and read
/// timeouts, no decompression. Whoever makes it shuts it down, once, after the uploaders' last use.
///
/// ```swift
/// let http = try AgentHTTPClient(caFile: "/etc/fathom/ca.pem")
/// let client = try ReceiverClient(endpoint: endpoint, http: http)
/// let archive = try EsmondArchiveClient(baseURL: url, token: token, http: http)
/// try await http.shutdown()
/// ```
public final class AgentHTTPClient: Sendable {
    let client: HTTPClient

    /// `caFile`: PEM file with the private CA that signed the receiver's certificate; nil trusts
    /// the system roots. Each request also has its own overall deadline.
    public init(caFile: String?, readTimeoutSeconds: Int64 = 60) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        // The agent retries on its own terms (the spool's backoff, the next receiver in the list),
        // so a refused connection must fail at once rather than be retried for the connect timeout.
        config.connectionPool.retryConnectionEstablishment = false
        config.timeout = .init(connect: .seconds(10), read: .seconds(readTimeoutSeconds))
        config.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// For a setup that fails after making the client and before any request (a client must be
    /// shut down before it is released).
    public func syncShutdown() throws {
        try client.syncShutdown()
    }
}
