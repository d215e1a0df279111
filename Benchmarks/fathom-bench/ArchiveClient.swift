import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A plain-HTTP client for the archive API on loopback, as an esmond archiver would talk to it:
/// keep-alive connections, `Authorization: Token`, JSON bodies.
struct ArchiveClient: Sendable {
    let http: HTTPClient
    let base: String
    let token: String

    /// `connections` keep-alive connections at most, one per concurrent writer or reader.
    init(port: Int, token: String, connections: Int) {
        var config = HTTPClient.Configuration()
        config.httpVersion = .http1Only
        config.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        config.timeout = .init(connect: .seconds(5), read: .seconds(120))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        base = "http://127.0.0.1:\(port)/esmond/perfsonar/archive/"
        self.token = token
    }

    struct Reply: Sendable {
        var status: Int
        var body: ByteBuffer
        var text: String { String(buffer: body) }
    }

    /// One request; `path` is relative to the archive root. The body is read whole so the
    /// connection is reusable and the timing includes the full response.
    func send(_ method: HTTPMethod, _ path: String, json: ByteBuffer? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Token \(token)")
            request.body = .bytes(json)
        }
        let response = try await http.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: body)
    }

    /// Creates metadata and returns its key (the 32-hex `metadata-key` of the answer).
    func createMetadata(_ json: String) async throws -> String {
        let reply = try await send(.POST, "", json: ByteBuffer(string: json))
        guard reply.status == 201,
            let object = try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any],
            let key = object["metadata-key"] as? String
        else {
            throw Subprocess.Failure(description: "metadata POST got HTTP \(reply.status): \(reply.text.prefix(300))")
        }
        return key
    }

    func shutdown() async { try? await http.shutdown() }
}

/// Builds the bulk PUT bodies (`{"data":[{"ts","val":[{"event-type","val"}]}]}`) ahead of the
/// timed phase, so the ingest figure is the server's cost, not the generator's.
enum ArchiveBulkBodies {
    /// Throughput points every 60 s from `start`, `perBody` per body.
    static func throughput(count: Int, perBody: Int, start: Int64) -> [ByteBuffer] {
        bodies(count: count, perBody: perBody) { i in
            // Varying, realistic magnitudes (bits/s), so summaries add real numbers.
            let bps = 9_000_000_000 + (i &* 7_919) % 500_000_000
            return #"{"ts":\#(start + Int64(i) * 60),"val":[{"event-type":"throughput","val":\#(bps)}]}"#
        }
    }

    /// One-way delay histograms (ms bucket → count, ~600 packets) every 60 s from `start`.
    static func histograms(count: Int, perBody: Int, start: Int64) -> [ByteBuffer] {
        bodies(count: count, perBody: perBody) { i in
            let centre = 20 + i % 5
            let buckets = (0..<8).map { b in #""\#(centre + b - 4)":\#(10 + (i + b * 13) % 140)"# }
            return
                #"{"ts":\#(start + Int64(i) * 60),"val":[{"event-type":"histogram-owdelay","val":{\#(buckets.joined(separator: ","))}}]}"#
        }
    }

    private static func bodies(count: Int, perBody: Int, item: (Int) -> String) -> [ByteBuffer] {
        stride(from: 0, to: count, by: perBody).map { first in
            let items = (first..<min(count, first + perBody)).map(item)
            return ByteBuffer(string: #"{"data":["# + items.joined(separator: ",") + "]}")
        }
    }
}
