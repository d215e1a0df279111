import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The HTTPS client both uploaders use: one keep-alive connection per host, the operator's
/// private CA when given, connect and read timeouts, no decompression.
///
/// ```swift
/// let http = try AgentHTTPClient.make(caFile: "/etc/fathom/ca.pem", readTimeoutSeconds: 60)
/// ```
enum AgentHTTPClient {
    static func make(caFile: String?, readTimeoutSeconds: Int64) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        config.timeout = .init(connect: .seconds(10), read: .seconds(readTimeoutSeconds))
        config.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }
}
