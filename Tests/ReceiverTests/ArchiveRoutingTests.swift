import Foundation
import Testing

@testable import FathomReceiver

/// Path variants clients use (trailing slashes, `/base/0`, both prefixes), the remaining
/// endpoints of the endpoint table, and pScheduler's trace and latency payloads. Routing and
/// bodies only, so the requests go through HummingbirdTesting's in-memory client, not a socket.
@Suite(.timeLimit(.minutes(2))) struct ArchiveRoutingTests {
    static let archive = "/esmond/perfsonar/archive/"

    /// pScheduler trace metadata (mapping of §6.4) and its Observed data PUT.
    static let traceMetadata = #"""
        {"subject-type":"point-to-point","source":"10.0.0.1","destination":"10.0.0.2","measurement-agent":"10.0.0.1",
         "input-source":"ps1.example.net","input-destination":"ps2.example.net","tool-name":"pscheduler/traceroute",
         "pscheduler-test-type":"trace","time-duration":10.0,"trace-first-ttl":1,"ip-transport-protocol":"udp",
         "event-types":[{"event-type":"failures"},{"event-type":"packet-trace"},{"event-type":"path-mtu"},
                        {"event-type":"pscheduler-run-href"}]}
        """#
    static let traceData = #"""
        {"data":[{"ts":1795410000,"val":[
         {"event-type":"packet-trace","val":[
           {"ttl":1,"query":1,"success":1,"ip":"10.0.2.2","rtt":0.2},
           {"ttl":2,"query":1,"success":1,"ip":"192.52.179.65","hostname":"dc-desk-wifi-rtr1.internet2.edu.","as":{"number":10886,"owner":"MAX-GIGAPOP - University of Maryland, US"},"rtt":1.5,"mtu":9000},
           {"ttl":4,"query":1,"success":0,"error-message":"host-unreachable","mtu":9000}]},
         {"event-type":"path-mtu","val":9000},
         {"event-type":"pscheduler-run-href","val":{"href":"https://ps1.example.net/pscheduler/tasks/t/runs/run-1"}}]}]}
        """#

    func object(_ reply: RawHTTPClient.Reply) -> [String: Any] { reply.json as? [String: Any] ?? [:] }
    func list(_ reply: RawHTTPClient.Reply) -> [[String: Any]] { reply.json as? [[String: Any]] ?? [] }

    @Test func pSchedulerTraceRoundTrip() async throws {
        try await ArchiveTestRouter.with { api in
            let created = try await api.send(.post, Self.archive, json: Self.traceMetadata)
            let key = try #require(object(created)["metadata-key"] as? String)
            #expect(object(created)["trace-first-ttl"] as? String == "1")
            #expect(try await api.send(.put, Self.archive + key + "/", json: Self.traceData).status == 201)
            let trace = list(try await api.get(Self.archive + key + "/packet-trace/base?time-start=0"))
            let hops = try #require(trace.first?["val"] as? [[String: Any]])
            #expect(hops.count == 3 && hops[2]["error-message"] as? String == "host-unreachable")
            #expect(
                try await api.get(Self.archive + key + "/path-mtu/base?time-start=0").body
                    == #"[{"ts":1795410000,"val":9000}]"#)
            let byTool = list(try await api.get(Self.archive + "?format=json&tool-name=pscheduler/traceroute"))
            #expect(byTool.count == 1 && byTool.first?["metadata-key"] as? String == key)
            let failed =
                #"{"data":[{"ts":1795413600,"val":[{"event-type":"failures","val":{"error":"unable to connect"}}]}]}"#
            #expect(try await api.send(.put, Self.archive + key + "/", json: failed).status == 201)
            let failures = try await api.get(Self.archive + key + "/failures/base?time-start=0")
            #expect(failures.body == #"[{"ts":1795413600,"val":{"error":"unable to connect"}}]"#)
        }
    }

    @Test func pathVariantsAllReachTheSameData() async throws {
        try await ArchiveTestRouter.with { api in
            let key = try #require(
                object(try await api.send(.post, "/perfsonar/archive", json: Self.traceMetadata))["metadata-key"]
                    as? String)
            #expect(
                try await api.send(
                    .post, "/perfsonar/archive/\(key)/path-mtu/base/", json: #"{"ts":"100","val":"1500"}"#
                ).status == 201)
            for path in [
                "/esmond/perfsonar/archive/\(key)/path-mtu/base", "/esmond/perfsonar/archive/\(key)/path-mtu/base/",
                "/esmond/perfsonar/archive/\(key)/path-mtu/base/0", "/perfsonar/archive/\(key)/path-mtu/base/0/",
            ] {
                let reply = try await api.get(path + "?time-start=0")
                #expect(reply.body == #"[{"ts":100,"val":1500}]"#, "\(path)")
            }
            #expect(try await api.get("/esmond/perfsonar/archive/\(key)/").status == 200)
            #expect(try await api.get("/esmond/perfsonar/archive").status == 200)
            let eventType = list(try await api.get(Self.archive + key + "/path-mtu/"))
            #expect(eventType.first?["base-uri"] as? String == "/esmond/perfsonar/archive/\(key)/path-mtu/base")
            #expect(try await api.get(Self.archive + key + "/throughput/").body == "[]")
            let stub = try await api.send(.post, Self.archive + key + "/path-mtu/", json: "{}")
            #expect(stub.status == 201 && stub.body == "\"\"")
            #expect(
                object(try await api.get(Self.archive + key + "/path-mtu/sums/60"))["detail"] as? String
                    == "Invalid summary type 'sums'")
            #expect(
                object(try await api.get(Self.archive + key + "/histogram-delay/base"))["detail"] as? String
                    == "Unsupported event type 'histogram-delay' provided")
            #expect(try await api.send(.patch, Self.archive + key + "/", json: "{}").status == 405)
            #expect(try await api.send(.post, Self.archive + key + "/", json: "{}").status == 405)
        }
    }

    @Test func paginationAndTimeFilters() async throws {
        try await ArchiveTestRouter.with { api in
            for i in 0..<3 {
                let body = Self.traceMetadata.replacingOccurrences(
                    of: "\"time-duration\":10.0", with: "\"time-duration\":\(i).0")
                #expect(try await api.send(.post, Self.archive, json: body).status == 201)
            }
            let page = list(try await api.get(Self.archive + "?tool-name=pscheduler/traceroute&limit=2"))
            #expect(page.count == 2 && page[0]["metadata-count-total"] as? Int == 3)
            let next = try #require(page[0]["metadata-next-page"] as? String)
            #expect(next.hasSuffix("tool-name=pscheduler%2Ftraceroute&limit=2&offset=2"))
            let second = list(try await api.get(String(next.dropFirst(ArchiveTestRouter.origin.count))))
            #expect(second.count == 1 && second[0]["metadata-previous-page"] as? String != nil)
            // Never-written metadata has no time-updated, so any time filter excludes it.
            #expect(try await api.get(Self.archive + "?time-range=3600").body == "[]")
            let key = try #require(page[0]["metadata-key"] as? String)
            let points = (1...5).map { #"{"ts":\#($0 * 10),"val":[{"event-type":"path-mtu","val":\#($0)}]}"# }
            #expect(
                try await api.send(
                    .put, Self.archive + key + "/", json: #"{"data":[\#(points.joined(separator: ","))]}"#
                ).status == 201)
            let recent = list(try await api.get(Self.archive + "?time-range=3600"))
            #expect(recent.map { $0["metadata-key"] as? String } == [key])
            let window = try await api.get(Self.archive + key + "/path-mtu/base?time-start=20&time-end=40&limit=2")
            #expect(window.body == #"[{"ts":20,"val":2},{"ts":30,"val":3}]"#)
            #expect(try await api.get(Self.archive + key + "/path-mtu/base?time=50").body == #"[{"ts":50,"val":5}]"#)
            #expect(list(try await api.get(Self.archive + key + "/path-mtu/base?time-end=30&time-range=10")).count == 2)
        }
    }

    @Test func addressFiltersResolveHostNames() async throws {
        try await ArchiveTestRouter.with { api in
            let body = Self.traceMetadata.replacingOccurrences(of: "10.0.0.1", with: "127.0.0.1")
            let key = try #require(
                object(try await api.send(.post, Self.archive, json: body))["metadata-key"] as? String)
            let byName = list(try await api.get(Self.archive + "?source=localhost"))
            #expect(byName.map { $0["metadata-key"] as? String } == [key])
            #expect(list(try await api.get(Self.archive + "?source=localhost&dns-match-rule=prefer-v4")).count == 1)
            let unknown = try await api.get(Self.archive + "?source=no-such-host.invalid")
            #expect(
                unknown.status == 400
                    && object(unknown)["detail"] as? String == "Unable to find address for host no-such-host.invalid")
            let v6 = Self.traceMetadata.replacingOccurrences(
                of: "\"source\":\"10.0.0.1\"", with: "\"source\":\"2001:DB8:0::1\"")
            let stored = object(try await api.send(.post, Self.archive, json: v6))
            #expect(stored["source"] as? String == "2001:db8::1")  // canonical, as PostgreSQL inet kept it
            #expect(list(try await api.get(Self.archive + "?source=2001:db8:0:0::1")).count == 1)
        }
    }

    @Test func oversizedBodiesAreRefusedWithJSON() async throws {
        try await ArchiveTestRouter.with { api in
            let huge = #"{"data":[],"pad":""# + String(repeating: "x", count: 2 << 20) + #""}"#
            let reply = try await api.send(.put, Self.archive + String(repeating: "a", count: 32) + "/", json: huge)
            #expect(reply.status == 413 && reply.header("Content-Type") == "application/json")
        }
    }
}
