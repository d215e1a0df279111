import FathomShared
import Foundation
import Testing

@testable import FathomReceiver

/// The device API's answers over a real socket: prefixes, trailing slashes, the exact content
/// type, time filters, list filters, rates in the data endpoints, the bulk query and the refusals
/// esmond gives.
@Suite("Interfaces: esmond device API", .timeLimit(.minutes(2)))
struct DeviceAPITests {
    @Test("devices, interfaces and oidsets under both prefixes, with and without trailing slashes")
    func listsAndShapes() async throws {
        try await DeviceTestServer.with { server in
            for path in ["/v2/device/?limit=0", "/esmond/v2/device", "/esmond/v2/device/"] {
                let reply = try await server.get(path)
                #expect(reply.status == 200 && reply.header("content-type") == "application/json", "\(path)")
                let devices = try #require(reply.json as? [[String: Any]])
                #expect(devices.map { $0["name"] as? String } == ["node1", "node2"])
                #expect(devices[0]["end_time"] as? Int == 253_402_127_999 && devices[0]["active"] as? Bool == true)
                #expect(devices[0]["oidsets"] as? [String] == ["Errors", "FastPollHC", "IfRefPoll"])
                let children = try #require(devices[0]["children"] as? [[String: Any]])
                #expect(children.first?["uri"] as? String == "/v2/device/node1/interface/")
            }
            let named = try #require(try await server.get("/v2/device/?name=node2").json as? [[String: Any]])
            #expect(named.map { $0["name"] as? String } == ["node2"])
            let list = try #require(try await server.get("/v2/device/node1/interface/?limit=0").json as? [String: Any])
            let rows = try #require(list["children"] as? [[String: Any]])
            #expect(rows.map { $0["ifName"] as? String } == ["eth0"], "eth1 is not active now")
            let eth0 = rows[0]
            #expect(eth0["ifSpeed"] as? Int == 1_000_000_000 && eth0["ifHighSpeed"] as? Int == 1000)
            #expect(eth0["ifOperStatus"] as? Int == 1 && eth0["ifAdminStatus"] as? Int == 1)
            #expect(eth0["ipAddr"] as? String == "192.0.2.2" && eth0["ifPhysAddress"] as? String == "52:54:00:00:00:02")
            #expect(eth0["uri"] as? String == "/v2/device/node1/interface/eth0")
            #expect(eth0["device_uri"] as? String == "/v2/device/node1/")
            let endpoints = (eth0["children"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(endpoints == ["discard/in", "error/in", "discard/out", "error/out", "in", "out"])
            let meta = try #require(list["meta"] as? [String: Any])
            #expect(meta["total_count"] as? Int == 1 && meta["next"] is NSNull)
            let map = try #require(try await server.get("/esmond/v2/oidsetmap/").json as? [String: [String: String]])
            #expect(map["FastPollHC"] == ["in": "ifHCInOctets", "out": "ifHCOutOctets"])
            #expect(map["Errors"]?["discard/out"] == "ifOutDiscards")
            #expect(try await server.get("/v2/oidset").json as? [String] == ["Errors", "FastPollHC", "IfRefPoll"])
        }
    }

    @Test("time filters: a vanished interface appears in a window that covers its life, ended when it was")
    func lifeCycleWindows() async throws {
        try await DeviceTestServer.with { server in
            let begin = server.start
            let list = try #require(
                try await server.get("/v2/device/node1/interface/?begin=\(begin)&end=\(begin + 60)").json
                    as? [String: Any])
            let rows = try #require(list["children"] as? [[String: Any]])
            #expect(rows.map { $0["ifName"] as? String } == ["eth0", "eth1"])
            #expect(rows[1]["end_time"] as? Int == Int(begin + 30 * DeviceTestServer.eth1Steps))
            #expect(rows[1]["begin_time"] as? Int == Int(begin))
            let flat = try #require(
                try await server.get("/v2/interface/?ifName__contains=eth0&begin=\(begin)").json as? [String: Any])
            let names = (flat["children"] as? [[String: Any]])?.map { "\($0["device"]!)/\($0["ifName"]!)" }
            #expect(names == ["node1/eth0", "node2/eth0.100"])
            let paged = try #require(
                try await server.get("/v2/interface/?limit=1&begin=\(begin)").json as? [String: Any])
            #expect((paged["meta"] as? [String: Any])?["next"] is String)
        }
    }

    @Test("data endpoints answer per-second rates in aligned bins, gaps null; refusals as esmond's")
    func data() async throws {
        try await DeviceTestServer.with { server in
            let begin = server.start
            let end = begin + 30 * DeviceTestServer.steps
            let reply = try await server.get(
                "/esmond/v2/device/node1/interface/eth0/in?begin=\(begin)&end=\(end + 300)")
            #expect(reply.status == 200 && reply.header("content-type") == "application/json")
            let body = try #require(reply.json as? [String: Any])
            #expect(body["agg"] as? String == "30" && body["cf"] as? String == "average")
            #expect(
                body["begin_time"] as? Int == Int(begin)
                    && body["resource_uri"] as? String == "/v2/device/node1/interface/eth0/in")
            let points = try #require(body["data"] as? [[String: Any]])
            #expect(points.count == Int(DeviceTestServer.steps) + 11)
            #expect(points.allSatisfy { ($0["ts"] as? Int ?? 1) % 30 == 0 && $0.keys.sorted() == ["ts", "val"] })
            let values = points.map { $0["val"] as? Double }
            // The step from sample k to k + 1 fills the bin that starts at sample k.
            #expect(values.prefix(Int(DeviceTestServer.steps)).allSatisfy { $0 == 1000 })
            #expect(values.suffix(11).allSatisfy { $0 == nil }, "from the last sample on: null")
            let errors = try #require(
                try await server.get("/v2/device/node1/interface/eth0/error/in/?begin=\(begin)&end=\(end)").json
                    as? [String: Any])
            let errorRate = (errors["data"] as? [[String: Any]])?[5]["val"] as? Double
            #expect(abs((errorRate ?? 0) - 1.0 / 30) < 1e-9)
            // From the start of the hour holding the first sample, so that hour's bin is in the window
            // at any time of day (from `begin` itself the window often holds no hourly bin at all).
            let hourly = try #require(
                try await server.get(
                    "/v2/device/node2/interface/eth0.100/in?begin=\(begin / 3600 * 3600)&end=\(end)&agg=3600"
                ).json as? [String: Any])
            let hourlyValues = (hourly["data"] as? [[String: Any]])?.compactMap { $0["val"] as? Double }
            #expect(hourlyValues?.isEmpty == false && hourlyValues?.allSatisfy { $0 == 2000 } == true)
            let refusals: [(String, String)] = [
                ("/v2/device/node1/interface/eth9/in", "no such device/interface: dev: node1 int: eth9"),
                ("/v2/device/node1/interface/eth0/bogus", "no such dataset: bogus"),
                ("/v2/device/node1/interface/eth0/in?agg=3601", "no valid aggregation 3601"),
                ("/v2/device/node1/interface/eth0/in?cf=bad", "bad is not a valid consolidation function"),
                ("/v2/device/node1/interface/eth0/in?begin=0&end=\(end)", "exceeded valid timerange for agg level: 30"),
            ]
            for (path, message) in refusals {
                let reply = try await server.get(path)
                #expect(reply.status == 400 && reply.body.contains(message), "\(path): \(reply.body)")
            }
        }
    }

    @Test("the bulk interface query answers 201 with one row per interface and endpoint, in request order")
    func bulk() async throws {
        try await DeviceTestServer.with { server in
            let begin = server.start
            let end = begin + 30 * DeviceTestServer.steps
            let json = """
                {"interfaces": [{"device": "node2", "iface": "eth0.100"}, {"device": "/v2/device/node1/", "iface": "eth0"},
                 {"device": "node1", "iface": "nope"}],
                 "endpoint": ["in", "out"], "cf": "average", "begin": \(begin), "end": \(end)}
                """
            let reply = try await server.post("/esmond/v2/bulk/interface/", json: json)
            #expect(reply.status == 201 && reply.header("content-type") == "application/json", "\(reply.body)")
            let body = try #require(reply.json as? [String: Any])
            #expect(body["device_names"] as? [String] == ["node2", "node1", "node1"] && body["agg"] is NSNull)
            let rows = try #require(body["data"] as? [[String: Any]])
            let paths = rows.map {
                ($0["path"] as? [String: String]).map { "\($0["dev"]!)/\($0["iface"]!)/\($0["endpoint"]!)" }
            }
            #expect(
                paths == [
                    "node2/eth0.100/in", "node2/eth0.100/out", "node1/eth0/in", "node1/eth0/out", "node1/nope/in",
                    "node1/nope/out",
                ])
            let out = (rows[3]["data"] as? [[String: Any]])?.compactMap { $0["val"] as? Double }
            #expect(out?.isEmpty == false && out?.allSatisfy { $0 == 500 } == true)
            #expect((rows[4]["data"] as? [[String: Any]])?.allSatisfy { $0["val"] is NSNull } == true)
            let unknown = try await server.post(
                "/v2/bulk/interface/", json: #"{"interfaces": [], "endpoint": ["sideways"]}"#)
            #expect(unknown.status == 400 && unknown.body.contains("no such dataset"))
            let missing = try await server.post("/v2/bulk/interface/", json: #"{"interfaces": []}"#)
            #expect(missing.status == 400 && missing.body.contains("must have endpoint and interfaces keys"))
        }
    }

    @Test("atencoding: esmond's escapes both ways; time windows as build_time_filters; bins split steps")
    func units() throws {
        #expect(AtEncoding.encode("xe-0/0/0") == "xe-0@2F0@2F0" && AtEncoding.encode("eth0.100") == "eth0.100")
        #expect(AtEncoding.decode("xe-0@2F0@2F0") == "xe-0/0/0" && AtEncoding.decode("a@") == "a@")
        let max = DeviceTimeWindow.endOfTime
        #expect(DeviceTimeWindow(begin: nil, end: nil, now: 100).admits(begin: 50, end: max))
        #expect(!DeviceTimeWindow(begin: nil, end: nil, now: 100).admits(begin: 50, end: 90))
        #expect(DeviceTimeWindow(begin: 80, end: nil, now: 100).admits(begin: 50, end: 90))
        #expect(!DeviceTimeWindow(begin: nil, end: 0, now: 100).admits(begin: 50, end: max))
        #expect(DeviceTimeWindow(begin: 90, end: 95, now: 100).admits(begin: 95, end: 120), "overlap is inclusive")
        #expect(throws: DeviceAPIError.self) { try DeviceTimeWindow(beginText: "soon", endText: nil, now: 1) }
        // One 60-second step at 10 B/s ending at 120 covers bins 60 and 90 wholly; a 45-second one
        // at 20 B/s ending at 165 covers 15 s of bin 120... and all of bin 150 up to 165.
        let steps = [
            InterfaceRateStep(
                time: 120, seconds: 60, rxBytes: 10, txBytes: nil, rxErrors: nil, txErrors: nil, rxDropped: nil,
                txDropped: nil),
            InterfaceRateStep(
                time: 165, seconds: 45, rxBytes: 20, txBytes: nil, rxErrors: nil, txErrors: nil, rxDropped: nil,
                txDropped: nil),
        ]
        let points = InterfaceRateBins(begin: 31, end: 200, agg: 30).points(steps, endpoint: .trafficIn)
        #expect(points.map(\.ts) == [60, 90, 120, 150, 180])
        #expect(points.map(\.val) == [10, 10, 20, 20, nil])
        #expect(
            InterfaceRateBins(begin: 31, end: 200, agg: 30).points(steps, endpoint: .trafficOut).allSatisfy {
                $0.val == nil
            })
        // Samples every 30 s, then none for 10 minutes (the agent was down): the gap stays null and
        // only the bin at its end gets the long step's average.
        func step(_ time: Int64, _ seconds: Int64, _ rate: Double) -> InterfaceRateStep {
            InterfaceRateStep(
                time: time, seconds: seconds, rxBytes: rate, txBytes: nil, rxErrors: nil, txErrors: nil,
                rxDropped: nil, txDropped: nil)
        }
        let gapped = [step(30, 30, 5), step(60, 30, 5), step(90, 30, 5), step(690, 600, 1), step(720, 30, 5)]
        let values = InterfaceRateBins(begin: 0, end: 720, agg: 30).points(gapped, endpoint: .trafficIn).map(\.val)
        #expect(values.prefix(3).allSatisfy { $0 == 5 })
        #expect(values[3..<22].allSatisfy { $0 == nil }, "\(values)")
        #expect(values[22] == 1 && values[23] == 5 && values[24] == nil)
    }
}
