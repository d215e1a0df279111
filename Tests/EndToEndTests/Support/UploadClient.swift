import FathomTestSupport
import AsyncHTTPClient
import FathomShared
import NIOHTTP1
import Foundation
import NIOCore
import NIOSSL

/// An HTTPS client trusting the test CA, for driving the receiver the way curl-based node
/// scripts do. A test that ends by throwing never calls `shutdown()`; the deinit then shuts the
/// client down, so the failure is reported instead of crashing the test process.
final class UploadClient: Sendable {
    let http: HTTPClient

    deinit { try? http.syncShutdown() }

    init(caFile: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    func shutdown() async { try? await http.shutdown() }

    struct Reply {
        var status: Int
        var body: String
    }

    func send(
        _ url: String, method: HTTPMethod = .POST, contentType: String? = "text/csv", user: String? = nil,
        password: String? = nil, body: String = "", bytes: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let user, let password {
            request.headers.add(name: "Authorization", value: BasicAuthorization.header(user: user, password: password))
        }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if method == .POST || method == .PUT {
            // `bytes` sends what a String cannot hold (invalid UTF-8).
            request.body = .bytes(bytes.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: data))
    }
}

/// Reads every stored line of a cluster's data tree: path relative to the cluster → lines.
func storedFiles(_ dataDirectory: String, cluster: String) -> [String: String] {
    let root = dataDirectory + "/" + cluster
    var out: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return out }
    for case let rel as String in walker {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = try? String(contentsOfFile: root + "/" + rel, encoding: .utf8)
        }
    }
    return out
}
