import AsyncHTTPClient
import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Four strangers read the largest packet-trace page the archive allows over the widest time
/// range, at once (issue 9: one such read once took 608 MB and four 2.26 GB, stalling `/ping`).
///
/// The archive is filled through the store (values checked by the same validator as the API: many
/// points of at most `hops` hops, as the value limits now require), then a release
/// `fathom-receiver` next to this binary serves it as a separate process, so its peak RSS is its
/// own (`VmHWM` in `/proc/PID/status`). Prints the bytes each read got, the receiver's peak RSS
/// against the 256 MB bar, and `/ping` latency during the reads.
///
/// ```swift
/// try await HostileArchiveReads.run(points: 10_000, hops: 255, readers: 4)
/// ```
enum HostileArchiveReads {
    static let rssBarMiB = 256.0

    static func run(points: Int = 10_000, hops: Int = 255, readers: Int = 4) async throws {
        let receiverPath = AgentBenchmark.siblingExecutable("fathom-receiver")
        guard FileManager.default.isExecutableFile(atPath: receiverPath) else {
            print("skipped: \(receiverPath) not built (swift build -c release --product fathom-receiver)")
            return
        }
        let scratch = TempDirectory.benchScratch("fathom-bench-hostile-archive")
        defer { scratch.remove() }
        print(
            "== hostile archive reads: \(points) packet-trace points of \(hops) hops, \(readers) concurrent readers "
                + "at limit=\(10_000), scratch \(scratch.path) ==")
        let key = try await fill(database: scratch.path + "/archive.sqlite", points: points, hops: hops)

        try "unused:unused\n".write(toFile: scratch.path + "/credentials", atomically: true, encoding: .utf8)
        let port = ListeningPort.unused()
        let receiver = try BackgroundProcess(
            [
                receiverPath, "--insecure-http", "--listen", "127.0.0.1:\(port)", "--data-dir", scratch.path + "/data",
                "--credentials", scratch.path + "/credentials", "--archive-db", scratch.path + "/archive.sqlite",
            ], name: "receiver", in: scratch.path)
        defer { receiver.kill() }
        try ListeningPort.await(receiver, port: port, timeout: .seconds(30))
        let idleMiB = memoryMiB(pid: receiver.pid, field: "VmRSS:") ?? 0

        var config = HTTPClient.Configuration()
        config.httpVersion = .http1Only
        config.timeout = .init(connect: .seconds(5), read: .seconds(120))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let base = "http://127.0.0.1:\(port)"
        let path = "/esmond/perfsonar/archive/\(key)/packet-trace/base?time-start=0&time-end=\(1 << 40)&limit=1000000"
        let watch = Watch()
        let pid = receiver.pid
        let outcome: Result<[(bytes: Int, points: Int, seconds: Double)], any Error>
        do {
            outcome = .success(
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !watch.done.load(ordering: .relaxed) {
                            let start = ContinuousClock.now
                            let response = try await http.execute(
                                HTTPClientRequest(url: base + "/ping"), timeout: .seconds(60))
                            _ = try await response.body.collect(upTo: 1 << 10)
                            let seconds = (ContinuousClock.now - start).seconds
                            watch.pings.withLock { $0.append(seconds) }
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                    group.addTask {
                        while !watch.done.load(ordering: .relaxed) {
                            watch.notePeak(pid: pid)
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    let reads = try await withThrowingTaskGroup(of: (Int, Int, Double).self) { readGroup in
                        for _ in 0..<readers {
                            readGroup.addTask { try await read(http, base + path) }
                        }
                        return try await readGroup.reduce(into: []) { $0.append($1) }
                    }
                    try await Task.sleep(for: .milliseconds(100))
                    watch.done.store(true, ordering: .relaxed)
                    try await group.waitForAll()
                    watch.notePeak(pid: pid)
                    return reads.map { (bytes: $0.0, points: $0.1, seconds: $0.2) }
                })
        } catch {
            watch.done.store(true, ordering: .relaxed)
            outcome = .failure(error)
        }
        try? await http.shutdown()
        let reads = try outcome.get()
        let peakMiB = watch.peakMiB.withLock { $0 }
        for (index, read) in reads.enumerated() {
            let megabytes = Double(read.bytes) / 1e6
            print(
                "read \(index + 1): \(read.points) points, \(fmt(megabytes, 1)) MB in \(fmt(read.seconds)) s "
                    + "= \(fmt(megabytes / max(read.seconds, 1e-9), 1)) MB/s")
        }
        let p = Percentiles(watch.pings.withLock { $0 })
        print(
            "/ping during the reads: \(p.count) requests, p50 \(fmt(p.value(at: 50) * 1e3, 1)) ms, "
                + "p99 \(fmt(p.value(at: 99) * 1e3, 1)) ms, max \(fmt(p.max * 1e3, 1)) ms")
        print(
            "receiver RSS idle \(fmt(idleMiB, 1)) MiB, peak (VmHWM) \(fmt(peakMiB, 1)) MiB "
                + "(bar ≤ \(Int(rssBarMiB)) MiB): \(verdict(peakMiB <= rssBarMiB))")
    }

    /// What the pinger and the memory sampler share with the run.
    final class Watch: Sendable {
        let done = Atomic<Bool>(false)
        let pings = Mutex<[Double]>([])
        let peakMiB = Mutex<Double>(0)

        func notePeak(pid: Int32) {
            guard let hwm = HostileArchiveReads.memoryMiB(pid: pid, field: "VmHWM:") else { return }
            peakMiB.withLock { $0 = max($0, hwm) }
        }
    }

    /// Streams one read to the end without keeping it; returns bytes, points and seconds.
    static func read(_ http: HTTPClient, _ url: String) async throws -> (Int, Int, Double) {
        let start = ContinuousClock.now
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(600))
        guard response.status == .ok else {
            throw Subprocess.Failure(description: "read got HTTP \(response.status.code)")
        }
        var bytes = 0
        var points = 0
        // Every point starts `{"ts":`; counting them checks the page came whole without keeping it.
        // The last 5 bytes of each chunk go before the next, so a marker cut in two still counts
        // once (5 bytes cannot hold a whole 6-byte marker, so none counts twice).
        let marker = Array(#"{"ts":"#.utf8)
        var tail: [UInt8] = []
        for try await chunk in response.body {
            bytes += chunk.readableBytes
            let view = tail + Array(chunk.readableBytesView)
            points += occurrences(of: marker, in: view)
            tail = Array(view.suffix(marker.count - 1))
        }
        return (bytes, points, (ContinuousClock.now - start).seconds)
    }

    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard haystack.count >= needle.count else { return 0 }
        var count = 0
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
                count += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return count
    }

    /// A trace metadata and `points` packet-trace points of `hops` hops (names of 60 characters,
    /// AS owners), written through the store in batches after the API's validation.
    static func fill(database: String, points: Int, hops: Int) async throws -> String {
        let store = try SQLiteArchiveStore(path: database)
        let input = ArchiveMetadataInput(
            subjectType: .pointToPoint,
            subject: [
                "source": "10.0.0.1", "destination": "10.0.0.2", "measurement-agent": "10.0.0.1",
                "tool-name": "pscheduler/traceroute",
            ],
            parameters: ["pscheduler-test-type": "trace"],
            eventTypes: [ArchiveEventTypeEntry(eventType: "packet-trace", summaries: [])])
        let key = try await store.createOrGetMetadata(input).metadata.key
        let trace = JSONValue.array(
            (0..<hops).map { i in
                .object([
                    "ttl": .integer(Int64(i % 255 + 1)), "query": .integer(1), "success": .integer(1),
                    "ip": .string("10.\(i / 256 % 256).\(i % 256).1"), "rtt": .number(0.25 + Double(i)),
                    "hostname": .string("hop-\(i)." + String(repeating: "r", count: 40) + ".example.net."),
                    "as": .object([
                        "number": .integer(64_512), "owner": .string("EXAMPLE-NET - Example Research Network, NO"),
                    ]),
                    "mtu": .integer(9_000),
                ])
            })
        let value = try ArchiveValueValidator.normalise(trace, kind: .json, eventType: "packet-trace")
        print(
            "value: \(JSONText.bytes(value).count) bytes of JSON per point, "
                + "\(fmt(Double(JSONText.bytes(value).count * points) / 1e6, 1)) MB in all")
        for first in stride(from: 0, to: points, by: 500) {
            let batch = (first..<min(points, first + 500)).map {
                ArchiveNewPoint(ts: 1_700_000_000 + Int64($0) * 600, eventType: "packet-trace", value: value)
            }
            _ = try await store.addPoints(key: key, points: batch)
        }
        return key
    }

    /// A `VmRSS:`/`VmHWM:` line of `/proc/PID/status`, in MiB.
    static func memoryMiB(pid: Int32, field: String) -> Double? {
        ProcessTable.kib(field, of: pid).map { Double($0) / 1024 }
    }
}
