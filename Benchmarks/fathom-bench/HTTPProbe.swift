import AsyncHTTPClient
import FathomShared
import NIOCore
import NIOHTTP1
import NIOSSL

/// A client with one keep-alive TLS connection that times requests back to back until a deadline:
/// `/ping`, or uploads with given credentials. The hostile sections run it beside the attack.
///
/// ```swift
/// let probe = try HTTPProbe(caPath: ca)
/// let run = await probe.repeatedly(until: deadline, pause: .milliseconds(20)) { try await probe.ping(base) }
/// ```
struct HTTPProbe: Sendable {
    let http: HTTPClient

    init(caPath: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.httpVersion = .http1Only
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Status of `GET /ping`.
    func ping(_ baseURL: String) async throws -> Int {
        let response = try await http.execute(HTTPClientRequest(url: baseURL + "/ping"), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    /// Status of one one-line upload to `cluster`.
    func upload(_ baseURL: String, cluster: String, user: String, password: String, body: ByteBuffer) async throws
        -> Int
    {
        var request = HTTPClientRequest(url: baseURL + "/sonar-freecsv?cluster=" + cluster)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/csv")
        request.headers.add(name: "Authorization", value: BasicAuthorization.header(user: user, password: password))
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    /// What a probe saw: latencies of the requests answered with `expected`, and every other status.
    struct Run: Sendable {
        var latencies: [Double] = []
        var statuses: [Int: Int] = [:]
        var errors = 0
    }

    /// Calls `request` until `deadline`, `pause` apart; a thrown error counts as status 0.
    func repeatedly(
        until deadline: ContinuousClock.Instant, pause: Duration = .zero, expected: Int = 200,
        _ request: @Sendable () async throws -> Int
    ) async -> Run {
        var run = Run()
        while ContinuousClock.now < deadline {
            let start = ContinuousClock.now
            let status = (try? await request()) ?? 0
            if status == expected { run.latencies.append((ContinuousClock.now - start).seconds) }
            run.statuses[status, default: 0] += 1
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
        return run
    }

    func shutdown() async { try? await http.shutdown() }
}

extension HTTPProbe.Run {
    /// "p50 1.20 ms, p99 3.40 ms (512 answered; statuses 200×512)".
    var summary: String {
        let p = Percentiles(latencies)
        let codes = statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "error" : String($0.key))×\($0.value)" }
        return
            "p50 \(fmt(p.value(at: 50) * 1000)) ms, p99 \(fmt(p.value(at: 99) * 1000)) ms, max \(fmt(p.max * 1000)) ms "
            + "(\(p.count) answered; \(codes.joined(separator: ", ")))"
    }
}
