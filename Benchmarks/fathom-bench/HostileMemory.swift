import AsyncHTTPClient
import FathomShared
import FathomTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Whether a real `fathom-receiver` process keeps the memory that malformed uploads made it touch
/// (issue 9, item 7): its resident size after 10,000 valid uploads, then after 10,000 malformed
/// ones (bad content, bad and over-long names, NUL and invalid UTF-8, oversized lines and bodies,
/// 1–4 MiB bodies with a bad last line,
/// wrong passwords, unknown users, wrong content types, bad clusters, bad sysinfo), and the ratio.
///
/// The bar: the second figure within 20 % of the first. Meant for `fathom-bench hostile`.
///
/// ```swift
/// try await HostileMemory.run(valid: 10_000, malformed: 10_000, clients: 8)
/// ```
enum HostileMemory {
    static let bar = 1.20
    static let user = "bench"
    static let password = "bench-secret"
    static let maxLineBytes = 4096
    static let maxBodyBytes = 16 << 20

    static func run(valid: Int = 10_000, malformed: Int = 10_000, clients: Int = 8) async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench-memory")
        defer { scratch.remove() }
        print(
            "== hostile memory: \(valid) valid then \(malformed) malformed uploads from \(clients) clients to a "
                + "fathom-receiver process, scratch \(scratch.path) ==")
        let pkiDir = scratch.path + "/pki"
        try FileManager.default.createDirectory(atPath: pkiDir, withIntermediateDirectories: true)
        let pki = try TestPKI(in: pkiDir)
        try "\(user):\(password)\n".write(toFile: scratch.path + "/credentials", atomically: true, encoding: .utf8)
        // A small line limit, so oversized lines cost the client little to send.
        try "max_line_bytes = \(maxLineBytes)\nmax_body_bytes = \(maxBodyBytes)\n"
            .write(toFile: scratch.path + "/receiver.toml", atomically: true, encoding: .utf8)
        let port = ListeningPort.unused()
        let receiver = try BackgroundProcess(
            [
                AgentBenchmark.siblingExecutable("fathom-receiver"), "--config", scratch.path + "/receiver.toml",
                "--listen", "127.0.0.1:\(port)", "--data-dir", scratch.path + "/data",
                "--credentials", scratch.path + "/credentials", "--tls-cert", pki.serverCertificate,
                "--tls-key", pki.serverKey,
            ], name: "receiver", in: scratch.path)
        defer { receiver.kill() }
        try ListeningPort.await(receiver, port: port)
        let startKiB = residentKiB(receiver.pid)

        let base = "https://127.0.0.1:\(port)"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificate))
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let outcome: Result<(Int?, Int?), any Error>
        do {
            let validStatuses = try await send(valid, clients: clients, http: http, base: base, request: validUpload)
            try await Task.sleep(for: .seconds(2))
            let afterValid = residentKiB(receiver.pid)
            print(
                "valid uploads: \(describe(validStatuses)); receiver RSS \(kib(startKiB)) at start, "
                    + "\(kib(afterValid)) after")
            let badStatuses = try await send(
                malformed, clients: clients, http: http, base: base, request: malformedUpload)
            try await Task.sleep(for: .seconds(2))
            let afterMalformed = residentKiB(receiver.pid)
            print(
                "malformed uploads: \(describe(badStatuses)); receiver RSS \(kib(afterMalformed)) after, "
                    + "peak \(kib(peakKiB(receiver.pid)))")
            outcome = .success((afterValid, afterMalformed))
        } catch {
            outcome = .failure(error)
        }
        try? await http.shutdown()
        let (afterValid, afterMalformed) = try outcome.get()
        guard let afterValid, let afterMalformed, receiver.isRunning else {
            print(
                "receiver RSS unreadable or receiver gone (\(receiver.exitDescription)): \(receiver.errors.suffix(500))"
            )
            return
        }
        let ratio = Double(afterMalformed) / Double(afterValid)
        print("ratio RSS after malformed / after valid = \(fmt(ratio, 2))")
        print("bar: ratio <= \(fmt(bar, 2)): \(fmt(ratio, 2)) \(verdict(ratio <= bar))")
    }

    /// One request of a phase: path and query, content type, authorization, body.
    struct Upload {
        var path: String
        var contentType: String
        var authorization: String
        var body: [UInt8]
    }

    static let goodAuthorization = BasicAuthorization.header(user: user, password: password)

    /// A one-line sample per upload; each client is one host, its time advancing 5 minutes a time.
    static func validUpload(client: Int, i: Int) -> Upload {
        let time = SonarTimestamp.format(epochSeconds: 1_780_000_000 + Int64(i) * 300, utcOffsetSeconds: 0)
        let line = "v=0.12.2,time=\(time),host=node\(client),user=alice,cmd=python,job=\(i),pid=\(i),cpu%=99.5\n"
        return Upload(
            path: "/sonar-freecsv?cluster=\(user)", contentType: "text/csv", authorization: goodAuthorization,
            body: Array(line.utf8))
    }

    /// Thirteen kinds in turn, each refused with a 4xx; distinct names, users and passwords per
    /// request, so any table keyed by what a client sends would grow.
    static func malformedUpload(client: Int, i: Int) -> Upload {
        let time = "2026-11-25T10:00:00+00:00"
        func csv(_ text: String) -> [UInt8] { Array(text.utf8) }
        var upload = validUpload(client: client, i: i)
        switch i % 13 {
        case 0: upload.body = csv("not csv at all \(i)\n")
        case 1: upload.body = csv("v=1,time=\(time),host=../x\(i)\n")
        case 2:  // a legal name 252 bytes long: "<host>.csv" is over NAME_MAX
            let host = String(i) + String(repeating: "h", count: 252 - String(i).count)
            upload.body = csv("v=1,time=\(time),host=\(host)\n")
        case 3: upload.body = csv("v=1,time=\(time),host=n\(i),cmd=a") + [0] + csv("b\n")
        case 4: upload.body = csv("v=1,time=\(time),host=n\(i),cmd=") + Array(repeating: 0x78, count: maxLineBytes + 1)
        case 5 where i % 130 == 5: upload.body = Array(repeating: 0x78, count: maxBodyBytes + 1024)
        case 5:  // 1 to 4 MiB of good lines, then a bad one: read and checked whole, then refused
            let line = csv("v=1,time=\(time),host=n\(i % 97),cmd=" + String(repeating: "y", count: 1000) + "\n")
            let lines = (1 << 20) / line.count * (1 + i / 13 % 4)
            upload.body = Array([[UInt8]](repeating: line, count: lines).joined()) + csv("garbage\n")
        case 6: upload.authorization = BasicAuthorization.header(user: user, password: "wrong-\(i)")
        case 7: upload.authorization = BasicAuthorization.header(user: "stranger-\(i)", password: "x\(i)")
        case 8: upload.contentType = "text/plain-\(i % 100)"
        case 9: upload.path = "/sonar-freecsv?cluster=..%2f\(i)"
        case 10: upload.body = csv("v=1,time=\(time),host=n\(i),cmd=") + [0xC3, 0x28, 0x0A]
        case 11: upload.body = csv("v=1,time=0000-01-01T00:00:00Z,host=n\(i)\n")
        default:
            upload.path = "/sysinfo?cluster=\(user)"
            upload.contentType = "application/json"
            upload.body =
                i % 2 == 0
                ? csv(#"{"timestamp":"\#(time)","hostname":"n\#(i)","hostname":"x"}"#)
                : csv(String(repeating: "[", count: 10_000))
        }
        return upload
    }

    /// Sends `count` requests from `clients` concurrent clients; returns how often each status came.
    static func send(
        _ count: Int, clients: Int, http: HTTPClient, base: String, request: @escaping @Sendable (Int, Int) -> Upload
    ) async throws -> [Int: Int] {
        try await withThrowingTaskGroup(of: [Int: Int].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var statuses: [Int: Int] = [:]
                    for i in stride(from: client, to: count, by: clients) {
                        let upload = request(client, i)
                        var r = HTTPClientRequest(url: base + upload.path)
                        r.method = .POST
                        r.headers.add(name: "Content-Type", value: upload.contentType)
                        r.headers.add(name: "Authorization", value: upload.authorization)
                        r.body = .bytes(ByteBuffer(bytes: upload.body))
                        let response = try await http.execute(r, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        statuses[Int(response.status.code), default: 0] += 1
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: [:]) { total, part in total.merge(part, uniquingKeysWith: +) }
        }
    }

    static func describe(_ statuses: [Int: Int]) -> String {
        statuses.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
    }

    static func kib(_ value: Int?) -> String { value.map { "\(fmt(Double($0) / 1024, 1)) MiB" } ?? "?" }

    /// VmRSS of `pid` in KiB.
    static func residentKiB(_ pid: Int32) -> Int? { ProcessTable.kib("VmRSS:", of: pid) }

    /// VmHWM (peak resident size) of `pid` in KiB.
    static func peakKiB(_ pid: Int32) -> Int? { ProcessTable.kib("VmHWM:", of: pid) }
}
