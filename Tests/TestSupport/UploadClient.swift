import AsyncHTTPClient
import FathomShared
import NIOCore
import NIOHTTP1
import NIOSSL

/// An HTTPS client trusting the test CA, for driving the receiver the way curl-based node scripts
/// and agents do; the end-to-end tests and the bench's simulated nodes both send through it.
///
/// ```swift
/// let client = try UploadClient(caFile: pki.caCertificate)
/// let reply = try await client.send(url, user: "fox", password: secret, body: csv)
/// await client.shutdown()
/// ```
///
/// A test that ends by throwing never calls `shutdown()`; the deinit then shuts the client down,
/// so the failure is reported instead of crashing the test process.
public final class UploadClient: Sendable {
    public let http: HTTPClient

    deinit { try? http.syncShutdown() }

    /// `connectionsPerHost` caps the keep-alive pool (HTTP/1.1 only): 1 is what one agent per node
    /// holds; nil leaves AsyncHTTPClient's default.
    public init(caFile: String, connectionsPerHost: Int? = nil) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        if let connectionsPerHost {
            config.httpVersion = .http1Only
            config.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        }
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async { try? await http.shutdown() }

    /// ``shutdown()`` that blocks, for a synchronous cleanup (a `defer`): the connections are
    /// closed on return. Calling either again does nothing.
    public func shutdownNow() { try? http.syncShutdown() }

    /// The status and body (up to 1 MiB) of one answer.
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
    }

    /// One request. `bytes` sends what a String cannot hold (invalid UTF-8); `buffer` sends a body
    /// prepared once and reused (the bench's uploads), without copying it per request.
    public func send(
        _ url: String, method: HTTPMethod = .POST, contentType: String? = "text/csv", user: String? = nil,
        password: String? = nil, body: String = "", bytes: [UInt8]? = nil, buffer: ByteBuffer? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let user, let password {
            request.headers.add(name: "Authorization", value: BasicAuthorization.header(user: user, password: password))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if method == .POST || method == .PUT {
            request.body = .bytes(buffer ?? bytes.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        // Read to the end, so the connection goes back to the pool for the next request.
        let data = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: data))
    }
}
