import FathomShared
import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// The Grafana data source's `interface.*` metrics over a real interface store: one series per
/// interface of the host, rates averaged into the request's buckets, the viewer's cluster only.
@Suite("Interfaces: Grafana interface series", .timeLimit(.minutes(1)))
struct GrafanaInterfaceSeriesTests {
    static func iso(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    @Test("traffic and errors per interface in buckets; another cluster is refused; the metric is listed")
    func series() async throws {
        let dir = TempDirectory("fathom-grafana-if")
        defer { dir.remove() }
        let store = try SQLiteInterfaceStore(path: dir.file("interfaces.sqlite"))
        let start: Int64 = 1_790_000_000
        for k in 0...20 {
            let time = start + 30 * Int64(k)
            let records = [
                DeviceTestServer.record(
                    "node1", "eth0", time: time, index: 2, speed: 1000, rx: 1000 * 30 * UInt64(k), tx: 0,
                    errors: UInt64(k)),
                DeviceTestServer.record(
                    "node1", "eth1", time: time, index: 3, speed: 1000, rx: 4000 * 30 * UInt64(k), tx: 0, errors: 0),
            ]
            _ = try await store.store(InterfaceUpload(cluster: "fox", batchID: nil, records: records))
        }
        func query(_ metric: String, payload: String) -> [UInt8] {
            Array(
                """
                {"range": {"from": "\(Self.iso(start))", "to": "\(Self.iso(start + 600))"}, "maxDataPoints": 10,
                 "targets": [{"target": "\(metric)", "refId": "A", "payload": \(payload)}]}
                """.utf8)
        }
        var builder = GrafanaSeriesBuilder(index: nil, archive: nil, viewer: Credential(user: "fox", secret: "x"))
        builder.interfaces = store
        let request = try GrafanaRequest(
            body: query("interface.traffic-in", payload: #"{"cluster": "fox", "host": "node1"}"#), now: start + 600)
        let frames = try await builder.answer(request)
        guard case .array(let series) = frames else { throw TestFailure("not an array: \(frames)") }
        let names = series.compactMap { if case .string(let s)? = $0["target"] { s } else { nil } }
        #expect(names == ["fox/node1 eth0 traffic-in", "fox/node1 eth1 traffic-in"])
        guard case .array(let points)? = series[1]["datapoints"] else { throw TestFailure("no datapoints") }
        #expect(points.count == 10, "600 s in buckets of 60 s")
        #expect(points.allSatisfy { $0 == .array([.number(4000), $0.arrayFirstSecond]) })
        let errors = try GrafanaRequest(
            body: query("interface.errors-in", payload: #"{"cluster": "fox", "host": "node1", "interface": "eth0"}"#),
            now: start + 600)
        guard case .array(let errorSeries) = try await builder.answer(errors) else { throw TestFailure("errors") }
        #expect(errorSeries.count == 1)
        if case .array(let p)? = errorSeries.first?["datapoints"], case .array(let first)? = p.first {
            #expect(first.first == .number(1.0 / 30))
        }
        let other = try GrafanaRequest(
            body: query("interface.traffic-in", payload: #"{"cluster": "saga", "host": "node1"}"#), now: start + 600)
        await #expect(throws: GrafanaError.self) { try await builder.answer(other) }
        #expect(GrafanaMetric.all.map(\.name).contains("interface.discards-out"))
        #expect(GrafanaMetric("interface.traffic-out") == .interface(.trafficOut))
    }
}

extension JSONValue {
    /// The second element of a `[value, time]` pair, for comparing points by value only.
    fileprivate var arrayFirstSecond: JSONValue {
        if case .array(let items) = self, items.count == 2 { return items[1] }
        return .null
    }
}

/// A test's own failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
