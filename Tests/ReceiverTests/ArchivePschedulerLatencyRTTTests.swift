import Foundation
import Testing

@testable import FathomReceiver

/// pScheduler's esmond archiver for **latency** (owping/powstream) and **rtt** (ping) results,
/// replayed over real HTTP against the in-process archive (spec §6.2, §6.3, §6.6), with the
/// summaries pScheduler registers by default (§5.2 `DEFAULT_SUMMARIES`), then read back the way
/// esmond clients read: base data, aggregations and histogram statistics (§3.5, §5.3); on both
/// archive stores.
///
/// The archiver POSTs the metadata (once per run when memcached is absent; esmond dedups it) and
/// then PUTs one data point per run: `{"data":[{"ts":…,"val":[…]}]}`.
@Suite(.timeLimit(.minutes(2))) struct ArchivePschedulerLatencyRTTTests {
    static let archive = "/esmond/perfsonar/archive/"

    // MARK: latency

    /// The metadata for an owping latency task: §6.6's event types, with DEFAULT_SUMMARIES for
    /// packet-loss-rate, packet-count-sent, packet-count-lost and histogram-owdelay, and the
    /// spec fields mapped (packet-count → sample-size, bucket-width → sample-bucket-width, …).
    static let latencyMetadata = #"""
        {"event-types":[{"event-type":"failures"},
          {"event-type":"packet-count-sent","summaries":[{"summary-window":300,"event-type":"packet-count-sent","summary-type":"aggregation"},{"summary-window":3600,"event-type":"packet-count-sent","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-count-sent","summary-type":"aggregation"}]},
          {"event-type":"histogram-owdelay","summaries":[{"summary-window":300,"event-type":"histogram-owdelay","summary-type":"aggregation"},{"summary-window":3600,"event-type":"histogram-owdelay","summary-type":"aggregation"},{"summary-window":86400,"event-type":"histogram-owdelay","summary-type":"aggregation"},{"summary-window":0,"event-type":"histogram-owdelay","summary-type":"statistics"},{"summary-window":300,"event-type":"histogram-owdelay","summary-type":"statistics"},{"summary-window":3600,"event-type":"histogram-owdelay","summary-type":"statistics"},{"summary-window":86400,"event-type":"histogram-owdelay","summary-type":"statistics"}]},
          {"event-type":"histogram-ttl"},{"event-type":"packet-duplicates"},
          {"event-type":"packet-loss-rate","summaries":[{"summary-window":300,"event-type":"packet-loss-rate","summary-type":"aggregation"},{"summary-window":3600,"event-type":"packet-loss-rate","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-loss-rate","summary-type":"aggregation"}]},
          {"event-type":"packet-count-lost","summaries":[{"summary-window":300,"event-type":"packet-count-lost","summary-type":"aggregation"},{"summary-window":3600,"event-type":"packet-count-lost","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-count-lost","summary-type":"aggregation"}]},
          {"event-type":"packet-reorders"},{"event-type":"time-error-estimates"},{"event-type":"pscheduler-run-href"}],
         "pscheduler-test-type":"latency","subject-type":"point-to-point",
         "input-destination":"10.0.0.2","source":"10.0.0.1","destination":"10.0.0.2","input-source":"10.0.0.1",
         "measurement-agent":"10.0.0.1","tool-name":"pscheduler/owping","time-duration":10.0,
         "sample-size":100,"sample-bucket-width":0.0001,"time-probe-interval":0.1,"time-probe-timeout":2.0,
         "ip-tos":0,"mode-flip":false,"ip-packet-padding":0,"mode-single-participant":false,
         "pscheduler-reference-created-by-user-agent":"psconfig-pscheduler-agent"}
        """#

    /// One PUT per run, as §6.6 maps an owping result (`histogram-latency` → histogram-owdelay,
    /// `max-clock-error` → time-error-estimates, loss rate = lost/sent).
    static func latencyRun(
        ts: Int, sent: Int, lost: Int, duplicates: Int, reorders: Int, clockError: String, owdelay: String, ttl: String,
        run: String
    ) -> String {
        #"{"data":[{"ts":\#(ts),"val":["#
            + #"{"event-type":"packet-count-sent","val":\#(sent)},"#
            + #"{"event-type":"histogram-owdelay","val":\#(owdelay)},"#
            + #"{"event-type":"histogram-ttl","val":\#(ttl)},"#
            + #"{"event-type":"packet-duplicates","val":\#(duplicates)},"#
            + #"{"event-type":"packet-loss-rate","val":{"numerator":\#(lost),"denominator":\#(sent)}},"#
            + #"{"event-type":"packet-count-lost","val":\#(lost)},"#
            + #"{"event-type":"packet-reorders","val":\#(reorders)},"#
            + #"{"event-type":"time-error-estimates","val":\#(clockError)},"#
            + #"{"event-type":"pscheduler-run-href","val":{"href":"https://ps1.example.net/pscheduler/tasks/lat/runs/\#(run)"}}]}]}"#
    }

    // Three runs: t1 and t2 share a 300 s bin, t3 starts the next one; all share the hour
    // 1795410000 and the day 1795392000.
    static let t1 = 1_795_410_000, t2 = 1_795_410_060, t3 = 1_795_410_300, day = 1_795_392_000

    // MARK: rtt

    /// The metadata for a ping rtt task: §6.6's event types, with DEFAULT_SUMMARIES for
    /// packet-count-sent, histogram-rtt, packet-loss-rate-bidir and packet-count-lost-bidir.
    static let rttMetadata = #"""
        {"event-types":[{"event-type":"failures"},
          {"event-type":"packet-count-sent","summaries":[{"summary-window":300,"event-type":"packet-count-sent","summary-type":"aggregation"},{"summary-window":3600,"event-type":"packet-count-sent","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-count-sent","summary-type":"aggregation"}]},
          {"event-type":"histogram-rtt","summaries":[{"summary-window":0,"event-type":"histogram-rtt","summary-type":"statistics"},{"summary-window":3600,"event-type":"histogram-rtt","summary-type":"statistics"},{"summary-window":86400,"event-type":"histogram-rtt","summary-type":"statistics"},{"summary-window":3600,"event-type":"histogram-rtt","summary-type":"aggregation"},{"summary-window":86400,"event-type":"histogram-rtt","summary-type":"aggregation"}]},
          {"event-type":"histogram-ttl-reverse"},{"event-type":"packet-duplicates-bidir"},
          {"event-type":"packet-loss-rate-bidir","summaries":[{"summary-window":3600,"event-type":"packet-loss-rate-bidir","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-loss-rate-bidir","summary-type":"aggregation"}]},
          {"event-type":"packet-count-lost-bidir","summaries":[{"summary-window":300,"event-type":"packet-count-lost-bidir","summary-type":"aggregation"},{"summary-window":3600,"event-type":"packet-count-lost-bidir","summary-type":"aggregation"},{"summary-window":86400,"event-type":"packet-count-lost-bidir","summary-type":"aggregation"}]},
          {"event-type":"packet-reorders-bidir"},{"event-type":"pscheduler-run-href"}],
         "pscheduler-test-type":"rtt","subject-type":"point-to-point",
         "input-destination":"10.0.0.2","source":"10.0.0.1","destination":"10.0.0.2","input-source":"10.0.0.1",
         "measurement-agent":"10.0.0.1","tool-name":"pscheduler/ping","time-duration":10.0,
         "pscheduler-reference-created-by-user-agent":"psconfig-pscheduler-agent"}
        """#

    static func rttRun(
        ts: Int, sent: Int, lost: Int, duplicates: Int, reorders: Int, rtt: String, ttl: String, run: String
    ) -> String {
        #"{"data":[{"ts":\#(ts),"val":["#
            + #"{"event-type":"packet-count-sent","val":\#(sent)},"#
            + #"{"event-type":"histogram-rtt","val":\#(rtt)},"#
            + #"{"event-type":"histogram-ttl-reverse","val":\#(ttl)},"#
            + #"{"event-type":"packet-duplicates-bidir","val":\#(duplicates)},"#
            + #"{"event-type":"packet-loss-rate-bidir","val":{"numerator":\#(lost),"denominator":\#(sent)}},"#
            + #"{"event-type":"packet-count-lost-bidir","val":\#(lost)},"#
            + #"{"event-type":"packet-reorders-bidir","val":\#(reorders)},"#
            + #"{"event-type":"pscheduler-run-href","val":{"href":"https://ps1.example.net/pscheduler/tasks/rtt/runs/\#(run)"}}]}]}"#
    }

    // Two runs an hour apart: separate 300 s and 3600 s bins, the same day bin.
    static let r1 = 1_795_410_000, r2 = 1_795_413_600

    // MARK: helpers

    func object(_ reply: RawHTTPClient.Reply) -> [String: Any] { reply.json as? [String: Any] ?? [:] }
    func list(_ reply: RawHTTPClient.Reply) -> [[String: Any]] { reply.json as? [[String: Any]] ?? [] }

    /// What an esmond client asks for: a bounded window around the data.
    static let window = "?time-start=1795300000&time-end=1795500000&limit=1000"

    func series(
        _ server: ArchiveTestServer, _ key: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> RawHTTPClient.Reply {
        let reply = try await server.get(Self.archive + key + "/" + path + Self.window)
        #expect(reply.status == 200, "\(path): \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        return reply
    }

    /// The series of a histogram summary as `[(ts, [bucket: count])]`.
    func histograms(_ reply: RawHTTPClient.Reply) -> [(Int, [String: Int])] {
        list(reply).map {
            ($0["ts"] as? Int ?? -1, ($0["val"] as? [String: Any] ?? [:]).mapValues { $0 as? Int ?? -1 })
        }
    }

    func number(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    struct Stats {
        var mean, median, p25, p75, p95, minimum, maximum, variance: Double
        var mode: Set<Double>
    }

    func expectStats(
        _ val: Any?, _ expected: Stats, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let s = val as? [String: Any] else {
            Issue.record(
                "\(label): statistics value is not an object: \(String(describing: val))",
                sourceLocation: sourceLocation)
            return
        }
        #expect(
            Set(s.keys) == [
                "mean", "median", "mode", "minimum", "maximum", "percentile-25", "percentile-75", "percentile-95",
                "variance", "standard-deviation",
            ],
            "\(label)", sourceLocation: sourceLocation)
        let checks: [(String, Double)] = [
            ("mean", expected.mean), ("median", expected.median), ("percentile-25", expected.p25),
            ("percentile-75", expected.p75),
            ("percentile-95", expected.p95), ("minimum", expected.minimum), ("maximum", expected.maximum),
            ("variance", expected.variance), ("standard-deviation", expected.variance.squareRoot()),
        ]
        for (field, want) in checks {
            #expect(
                close(number(s[field]), want), "\(label) \(field): got \(String(describing: s[field])), want \(want)",
                sourceLocation: sourceLocation)
        }
        let mode = Set((s["mode"] as? [Any] ?? []).map { number($0) })
        #expect(
            mode == expected.mode, "\(label) mode: \(String(describing: s["mode"]))", sourceLocation: sourceLocation)
    }

    func registered(_ metadata: [String: Any], _ eventType: String) -> [(String, String)] {
        let types = metadata["event-types"] as? [[String: Any]] ?? []
        let entry = types.first { $0["event-type"] as? String == eventType } ?? [:]
        return (entry["summaries"] as? [[String: Any]] ?? []).map {
            ($0["summary-type"] as? String ?? "", $0["summary-window"] as? String ?? "")
        }.sorted { ($0.0, Int($0.1) ?? 0) < ($1.0, Int($1.1) ?? 0) }
    }

    // MARK: tests

    @Test(arguments: ArchiveStoreKind.allCases) func latencyOwpingArchivingEndToEnd(kind: ArchiveStoreKind) async throws
    {
        try await ArchiveTestServer.with(kind: kind) { server in
            let created = try await server.send("POST", Self.archive, json: Self.latencyMetadata)
            #expect(created.status == 201, "\(created.body)")
            #expect(created.header("Content-Type") == "application/json")
            let metadata = object(created)
            let key = try #require(metadata["metadata-key"] as? String)
            #expect(key.count == 32)
            #expect(metadata["pscheduler-test-type"] as? String == "latency")
            #expect(metadata["tool-name"] as? String == "pscheduler/owping")
            #expect(metadata["sample-size"] as? String == "100")
            #expect(metadata["time-duration"] as? String == "10.0")
            let eventTypes = Set(
                (metadata["event-types"] as? [[String: Any]] ?? []).compactMap { $0["event-type"] as? String })
            #expect(
                eventTypes == [
                    "failures", "packet-count-sent", "histogram-owdelay", "histogram-ttl", "packet-duplicates",
                    "packet-loss-rate",
                    "packet-count-lost", "packet-reorders", "time-error-estimates", "pscheduler-run-href",
                ])
            #expect(
                registered(metadata, "histogram-owdelay").map { "\($0.0)/\($0.1)" } == [
                    "aggregation/300", "aggregation/3600", "aggregation/86400",
                    "statistics/0", "statistics/300", "statistics/3600", "statistics/86400",
                ])
            #expect(
                registered(metadata, "packet-loss-rate").map { "\($0.0)/\($0.1)" } == [
                    "aggregation/300", "aggregation/3600", "aggregation/86400",
                ])
            #expect(registered(metadata, "histogram-ttl").isEmpty)

            // Run 1: 100 sent, 2 lost, 98 one-way delays; run 2: none lost; run 3: next 300 s bin, 4 lost.
            let runs = [
                Self.latencyRun(
                    ts: Self.t1, sent: 100, lost: 2, duplicates: 0, reorders: 1, clockError: "0.57",
                    owdelay: #"{"10.1":50,"10.2":40,"10.3":8}"#, ttl: #"{"62":98}"#, run: "run-1"),
                Self.latencyRun(
                    ts: Self.t2, sent: 100, lost: 0, duplicates: 1, reorders: 0, clockError: "1.13",
                    owdelay: #"{"10.2":60,"10.3":40}"#, ttl: #"{"62":100}"#, run: "run-2"),
                Self.latencyRun(
                    ts: Self.t3, sent: 100, lost: 4, duplicates: 0, reorders: 0, clockError: "0.5",
                    owdelay: #"{"10.1":96}"#, ttl: #"{"61":96}"#, run: "run-3"),
            ]
            for run in runs {
                // Without memcached the archiver re-POSTs the metadata every run; esmond finds the same key.
                let again = try await server.send("POST", Self.archive, json: Self.latencyMetadata)
                #expect(again.status == 201 && object(again)["metadata-key"] as? String == key)
                let put = try await server.send("PUT", Self.archive + key + "/", json: run)
                #expect(put.status == 201 && put.body == "\"\"", "\(put.body)")
            }

            // Base data.
            #expect(
                try await series(server, key, "packet-count-sent/base").body
                    == #"[{"ts":1795410000,"val":100},{"ts":1795410060,"val":100},{"ts":1795410300,"val":100}]"#)
            #expect(
                try await series(server, key, "packet-count-lost/base").body
                    == #"[{"ts":1795410000,"val":2},{"ts":1795410060,"val":0},{"ts":1795410300,"val":4}]"#)
            #expect(
                try await series(server, key, "packet-duplicates/base").body
                    == #"[{"ts":1795410000,"val":0},{"ts":1795410060,"val":1},{"ts":1795410300,"val":0}]"#)
            #expect(
                try await series(server, key, "packet-reorders/base").body
                    == #"[{"ts":1795410000,"val":1},{"ts":1795410060,"val":0},{"ts":1795410300,"val":0}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate/base").body
                    == #"[{"ts":1795410000,"val":0.02},{"ts":1795410060,"val":0.0},{"ts":1795410300,"val":0.04}]"#)
            // Floats are stored as int(v × 10⁴): 0.57 → 0.5699, 1.13 → 1.1299 (§3.5).
            #expect(
                try await series(server, key, "time-error-estimates/base").body
                    == #"[{"ts":1795410000,"val":0.5699},{"ts":1795410060,"val":1.1299},{"ts":1795410300,"val":0.5}]"#)
            let owdelay = histograms(try await series(server, key, "histogram-owdelay/base"))
            #expect(owdelay.map(\.0) == [Self.t1, Self.t2, Self.t3])
            #expect(
                owdelay.map(\.1) == [["10.1": 50, "10.2": 40, "10.3": 8], ["10.2": 60, "10.3": 40], ["10.1": 96]])
            let ttl = histograms(try await series(server, key, "histogram-ttl/base"))
            #expect(ttl.map(\.0) == [Self.t1, Self.t2, Self.t3])
            #expect(ttl.map(\.1) == [["62": 98], ["62": 100], ["61": 96]])
            let href = list(try await series(server, key, "pscheduler-run-href/base"))
            #expect(
                (href.last?["val"] as? [String: Any])?["href"] as? String
                    == "https://ps1.example.net/pscheduler/tasks/lat/runs/run-3")

            // Aggregations: integer sums as JSON integers, Σlost/Σsent, bucket-wise histogram sums.
            #expect(
                try await series(server, key, "packet-count-sent/aggregations/300").body
                    == #"[{"ts":1795410000,"val":200},{"ts":1795410300,"val":100}]"#)
            #expect(
                try await series(server, key, "packet-count-sent/aggregations/3600").body
                    == #"[{"ts":1795410000,"val":300}]"#)
            #expect(
                try await series(server, key, "packet-count-sent/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":300}]"#)
            #expect(
                try await series(server, key, "packet-count-lost/aggregations/300").body
                    == #"[{"ts":1795410000,"val":2},{"ts":1795410300,"val":4}]"#)
            #expect(
                try await series(server, key, "packet-count-lost/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":6}]"#)
            // (2+0)/(100+100) = 0.01; 4/100 = 0.04; (2+0+4)/300 = 0.02.
            #expect(
                try await series(server, key, "packet-loss-rate/aggregations/300").body
                    == #"[{"ts":1795410000,"val":0.01},{"ts":1795410300,"val":0.04}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate/aggregations/3600").body
                    == #"[{"ts":1795410000,"val":0.02}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":0.02}]"#)
            let agg300 = histograms(try await series(server, key, "histogram-owdelay/aggregations/300"))
            #expect(agg300.map(\.0) == [Self.t1, Self.t3])
            #expect(agg300.map(\.1) == [["10.1": 50, "10.2": 100, "10.3": 48], ["10.1": 96]])
            let agg3600 = histograms(try await series(server, key, "histogram-owdelay/aggregations/3600"))
            #expect(agg3600.map(\.0) == [Self.t1])
            #expect(agg3600.map(\.1) == [["10.1": 146, "10.2": 100, "10.3": 48]])
            let agg86400 = histograms(try await series(server, key, "histogram-owdelay/aggregations/86400"))
            #expect(agg86400.map(\.0) == [Self.day])
            #expect(agg86400.map(\.1) == [["10.1": 146, "10.2": 100, "10.3": 48]])
            // Unregistered summaries read as 200 [] (§3.5); averages are not an owdelay summary.
            #expect(try await series(server, key, "histogram-ttl/statistics/0").body == "[]")

            // Statistics, window 0: one per run, on that run's histogram.
            let stats0 = list(try await series(server, key, "histogram-owdelay/statistics/0"))
            #expect(stats0.map { $0["ts"] as? Int ?? -1 } == [Self.t1, Self.t2, Self.t3])
            if stats0.count == 3 {
                // Run 1, N = 98: mean 995.4/98; p25 n=24.75 → 10.1, median n=49.5 → 10.1 (cc 50),
                // p75 n=74.25 → 10.2 (cc 90), p95 n=94.05 → 10.3 (cc 98); variance Σc(k−mean)²/N.
                let m1 = 995.4 / 98
                let v1 = (50 * pow(10.1 - m1, 2) + 40 * pow(10.2 - m1, 2) + 8 * pow(10.3 - m1, 2)) / 98
                expectStats(
                    stats0[0]["val"],
                    Stats(
                        mean: m1, median: 10.1, p25: 10.1, p75: 10.2, p95: 10.3, minimum: 10.1, maximum: 10.3,
                        variance: v1, mode: [10.1]), "owdelay stats/0 run 1")
                // Run 2, N = 100: mean 10.24; p25 n=25.25 → 10.2; median n=50.5 → 10.2 (cc 60); p75 n=75.75 → 10.3; p95 n=95.95 → 10.3.
                let v2 = (60 * pow(10.2 - 10.24, 2) + 40 * pow(10.3 - 10.24, 2)) / 100
                expectStats(
                    stats0[1]["val"],
                    Stats(
                        mean: 10.24, median: 10.2, p25: 10.2, p75: 10.3, p95: 10.3, minimum: 10.2, maximum: 10.3,
                        variance: v2, mode: [10.2]), "owdelay stats/0 run 2")
                expectStats(
                    stats0[2]["val"],
                    Stats(
                        mean: 10.1, median: 10.1, p25: 10.1, p75: 10.1, p95: 10.1, minimum: 10.1, maximum: 10.1,
                        variance: 0, mode: [10.1]), "owdelay stats/0 run 3")
            }
            // Statistics, window 300: on the aggregated bin, since aggregation/300 is registered (§5.2).
            let stats300 = list(try await series(server, key, "histogram-owdelay/statistics/300"))
            #expect(stats300.map { $0["ts"] as? Int ?? -1 } == [Self.t1, Self.t3])
            if stats300.count == 2 {
                // {"10.1":50,"10.2":100,"10.3":48}, N = 198: mean 2019.4/198; p25 n=49.75 → 10.1; median n=99.5 → 10.2;
                // p75 n=149.25 → 10.2 (cc 150); p95 n=189.05 → 10.3.
                let m = 2019.4 / 198
                let v = (50 * pow(10.1 - m, 2) + 100 * pow(10.2 - m, 2) + 48 * pow(10.3 - m, 2)) / 198
                expectStats(
                    stats300[0]["val"],
                    Stats(
                        mean: m, median: 10.2, p25: 10.1, p75: 10.2, p95: 10.3, minimum: 10.1, maximum: 10.3,
                        variance: v, mode: [10.2]), "owdelay stats/300 first bin")
                expectStats(
                    stats300[1]["val"],
                    Stats(
                        mean: 10.1, median: 10.1, p25: 10.1, p75: 10.1, p95: 10.1, minimum: 10.1, maximum: 10.1,
                        variance: 0, mode: [10.1]), "owdelay stats/300 second bin")
            }
            // Statistics, windows 3600 and 86400: all three runs merged, {"10.1":146,"10.2":100,"10.3":48}, N = 294.
            // mean 2989/294; p25 n=73.75 → 10.1; median n=147.5 → 10.2 (cc 246); p75 n=221.25 → 10.2; p95 n=280.25 → 10.3.
            let m = 2989.0 / 294
            let v = (146 * pow(10.1 - m, 2) + 100 * pow(10.2 - m, 2) + 48 * pow(10.3 - m, 2)) / 294
            let merged = Stats(
                mean: m, median: 10.2, p25: 10.1, p75: 10.2, p95: 10.3, minimum: 10.1, maximum: 10.3, variance: v,
                mode: [10.1])
            let stats3600 = list(try await series(server, key, "histogram-owdelay/statistics/3600"))
            #expect(stats3600.map { $0["ts"] as? Int ?? -1 } == [Self.t1])
            expectStats(stats3600.first?["val"], merged, "owdelay stats/3600")
            let stats86400 = list(try await series(server, key, "histogram-owdelay/statistics/86400"))
            #expect(stats86400.map { $0["ts"] as? Int ?? -1 } == [Self.day])
            expectStats(stats86400.first?["val"], merged, "owdelay stats/86400")

            // The metadata list as esmond-ps-get-metadata filters it, with the summary URIs clients follow.
            let listed = list(
                try await server.get(
                    Self.archive
                        + "?source=10.0.0.1&destination=10.0.0.2&event-type=histogram-owdelay&tool-name=pscheduler/owping"
                ))
            #expect(listed.count == 1 && listed.first?["metadata-key"] as? String == key)
            let summaries = list(try await server.get(Self.archive + key + "/histogram-owdelay/statistics"))
            #expect(
                Set(summaries.compactMap { $0["uri"] as? String })
                    == Set(
                        ["0", "300", "3600", "86400"].map { Self.archive + key + "/histogram-owdelay/statistics/" + $0 }
                    ))
        }
    }

    @Test(arguments: ArchiveStoreKind.allCases) func rttPingArchivingEndToEnd(kind: ArchiveStoreKind) async throws {
        try await ArchiveTestServer.with(kind: kind) { server in
            let created = try await server.send("POST", Self.archive, json: Self.rttMetadata)
            #expect(created.status == 201, "\(created.body)")
            let metadata = object(created)
            let key = try #require(metadata["metadata-key"] as? String)
            #expect(metadata["pscheduler-test-type"] as? String == "rtt")
            #expect(metadata["tool-name"] as? String == "pscheduler/ping")
            let eventTypes = Set(
                (metadata["event-types"] as? [[String: Any]] ?? []).compactMap { $0["event-type"] as? String })
            #expect(
                eventTypes == [
                    "failures", "packet-count-sent", "histogram-rtt", "histogram-ttl-reverse",
                    "packet-duplicates-bidir",
                    "packet-loss-rate-bidir", "packet-count-lost-bidir", "packet-reorders-bidir", "pscheduler-run-href",
                ])
            #expect(
                registered(metadata, "histogram-rtt").map { "\($0.0)/\($0.1)" } == [
                    "aggregation/3600", "aggregation/86400", "statistics/0", "statistics/3600", "statistics/86400",
                ])
            #expect(
                registered(metadata, "packet-loss-rate-bidir").map { "\($0.0)/\($0.1)" } == [
                    "aggregation/3600", "aggregation/86400",
                ])

            // Run 1: 10 pings, 1 lost, RTT buckets "%.2f" ms; run 2 an hour later: none lost, 1 duplicate, 2 reordered.
            let runs = [
                Self.rttRun(
                    ts: Self.r1, sent: 10, lost: 1, duplicates: 0, reorders: 0, rtt: #"{"0.33":4,"0.35":3,"0.42":2}"#,
                    ttl: #"{"64":9}"#, run: "run-1"),
                Self.rttRun(
                    ts: Self.r2, sent: 10, lost: 0, duplicates: 1, reorders: 2, rtt: #"{"0.30":5,"0.50":5}"#,
                    ttl: #"{"63":10}"#, run: "run-2"),
            ]
            for run in runs {
                let again = try await server.send("POST", Self.archive, json: Self.rttMetadata)
                #expect(again.status == 201 && object(again)["metadata-key"] as? String == key)
                let put = try await server.send("PUT", Self.archive + key + "/", json: run)
                #expect(put.status == 201 && put.body == "\"\"", "\(put.body)")
            }
            // A replayed run (the archiver retrying after a lost reply) hits the integer duplicate check: 409,
            // which pScheduler logs and treats as success; nothing is counted twice.
            let replay = try await server.send("PUT", Self.archive + key + "/", json: runs[1])
            #expect(replay.status == 409, "\(replay.body)")

            // Base data.
            #expect(
                try await series(server, key, "packet-count-sent/base").body
                    == #"[{"ts":1795410000,"val":10},{"ts":1795413600,"val":10}]"#)
            #expect(
                try await series(server, key, "packet-count-lost-bidir/base").body
                    == #"[{"ts":1795410000,"val":1},{"ts":1795413600,"val":0}]"#)
            #expect(
                try await series(server, key, "packet-duplicates-bidir/base").body
                    == #"[{"ts":1795410000,"val":0},{"ts":1795413600,"val":1}]"#)
            #expect(
                try await series(server, key, "packet-reorders-bidir/base").body
                    == #"[{"ts":1795410000,"val":0},{"ts":1795413600,"val":2}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate-bidir/base").body
                    == #"[{"ts":1795410000,"val":0.1},{"ts":1795413600,"val":0.0}]"#)
            let rtt = histograms(try await series(server, key, "histogram-rtt/base"))
            #expect(rtt.map(\.0) == [Self.r1, Self.r2])
            // Keys as posted: "0.30", not "0.3".
            #expect(rtt.map(\.1) == [["0.33": 4, "0.35": 3, "0.42": 2], ["0.30": 5, "0.50": 5]])
            let ttl = histograms(try await series(server, key, "histogram-ttl-reverse/base"))
            #expect(ttl.map(\.1) == [["64": 9], ["63": 10]])

            // Aggregations.
            #expect(
                try await series(server, key, "packet-count-sent/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":20}]"#)
            #expect(
                try await series(server, key, "packet-count-lost-bidir/aggregations/300").body
                    == #"[{"ts":1795410000,"val":1},{"ts":1795413600,"val":0}]"#)
            #expect(
                try await series(server, key, "packet-count-lost-bidir/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":1}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate-bidir/aggregations/3600").body
                    == #"[{"ts":1795410000,"val":0.1},{"ts":1795413600,"val":0.0}]"#)
            #expect(
                try await series(server, key, "packet-loss-rate-bidir/aggregations/86400").body
                    == #"[{"ts":1795392000,"val":0.05}]"#)  // 1/20
            let hourly = histograms(try await series(server, key, "histogram-rtt/aggregations/3600"))
            #expect(hourly.map(\.0) == [Self.r1, Self.r2])
            #expect(hourly.map(\.1) == [["0.33": 4, "0.35": 3, "0.42": 2], ["0.30": 5, "0.50": 5]])
            let daily = histograms(try await series(server, key, "histogram-rtt/aggregations/86400"))
            #expect(daily.map(\.0) == [Self.day])
            #expect(daily.map(\.1) == [["0.30": 5, "0.33": 4, "0.35": 3, "0.42": 2, "0.50": 5]])
            #expect(try await series(server, key, "histogram-rtt/aggregations/300").body == "[]")  // not registered

            // Statistics per run (window 0) and per hour (each hour holds one run).
            // Run 1, N = 9: mean 3.21/9; p25 n=2.5 → 0.33; median n=5 → 0.35 (cc 7);
            // p75 n=7.5, k=7 = cc of 0.35 → 0.35 + 0.5·(0.42 − 0.35) = 0.385; p95 n=9.5, k=9 ≥ N → 0.42.
            let m1 = 3.21 / 9
            let run1 = Stats(
                mean: m1, median: 0.35, p25: 0.33, p75: 0.385, p95: 0.42, minimum: 0.33, maximum: 0.42,
                variance: (4 * pow(0.33 - m1, 2) + 3 * pow(0.35 - m1, 2) + 2 * pow(0.42 - m1, 2)) / 9, mode: [0.33])
            // Run 2, N = 10: mean 0.4; median n=5.5, k=5 = cc of 0.30 → 0.30 + 0.5·0.20 = 0.40;
            // p25 n=2.75 → 0.30; p75 n=8.25 → 0.50; p95 n=10.45 → 0.50; variance 0.01; mode ties [0.3, 0.5].
            let run2 = Stats(
                mean: 0.4, median: 0.4, p25: 0.3, p75: 0.5, p95: 0.5, minimum: 0.3, maximum: 0.5, variance: 0.01,
                mode: [0.3, 0.5])
            for window in ["0", "3600"] {
                let stats = list(try await series(server, key, "histogram-rtt/statistics/" + window))
                #expect(stats.map { $0["ts"] as? Int ?? -1 } == [Self.r1, Self.r2], "window \(window)")
                expectStats(stats.first?["val"], run1, "rtt stats/\(window) run 1")
                expectStats(stats.dropFirst().first?["val"], run2, "rtt stats/\(window) run 2")
            }
            // Day: on the merged histogram {"0.30":5,"0.33":4,"0.35":3,"0.42":2,"0.50":5}, N = 19: mean 7.21/19;
            // p25 n=5, k=5 = cc of 0.30, d=0 → 0.30; median n=10 → 0.35 (cc 12); p75 n=15 → 0.50; p95 n=19 → 0.50.
            let md = 7.21 / 19
            let dayStats = Stats(
                mean: md, median: 0.35, p25: 0.3, p75: 0.5, p95: 0.5, minimum: 0.3, maximum: 0.5,
                variance: (5 * pow(0.30 - md, 2) + 4 * pow(0.33 - md, 2) + 3 * pow(0.35 - md, 2) + 2 * pow(0.42 - md, 2)
                    + 5 * pow(0.50 - md, 2)) / 19,
                mode: [0.3, 0.5])
            let day = list(try await series(server, key, "histogram-rtt/statistics/86400"))
            #expect(day.map { $0["ts"] as? Int ?? -1 } == [Self.day])
            expectStats(day.first?["val"], dayStats, "rtt stats/86400")

            // esmond-ps-get style discovery: the rtt metadata by tool and event type, then its summary list.
            let listed = list(
                try await server.get(
                    Self.archive
                        + "?event-type=histogram-rtt&tool-name=pscheduler/ping&summary-type=statistics&summary-window=86400"
                ))
            #expect(listed.count == 1 && listed.first?["metadata-key"] as? String == key)
            let rttType = (listed.first?["event-types"] as? [[String: Any]])?.first {
                $0["event-type"] as? String == "histogram-rtt"
            }
            #expect(rttType?["base-uri"] as? String == Self.archive + key + "/histogram-rtt/base")
            #expect(rttType?["time-updated"] is Int)
            let failures = (listed.first?["event-types"] as? [[String: Any]])?.first {
                $0["event-type"] as? String == "failures"
            }
            #expect(failures?["time-updated"] is NSNull)
        }
    }

    /// A failed ping run: only `failures` and `pscheduler-run-href` are posted (§6.3).
    @Test(arguments: ArchiveStoreKind.allCases) func failedRttRunPostsFailures(kind: ArchiveStoreKind) async throws {
        try await ArchiveTestServer.with(kind: kind) { server in
            let key = try #require(
                object(try await server.send("POST", Self.archive, json: Self.rttMetadata))["metadata-key"] as? String)
            let failed =
                #"{"data":[{"ts":1795417200,"val":[{"event-type":"failures","val":{"error":"ping: unknown host"}},{"event-type":"pscheduler-run-href","val":{"href":"https://ps1.example.net/pscheduler/tasks/rtt/runs/run-3"}}]}]}"#
            let put = try await server.send("PUT", Self.archive + key + "/", json: failed)
            #expect(put.status == 201 && put.body == "\"\"")
            #expect(
                try await series(server, key, "failures/base").body
                    == #"[{"ts":1795417200,"val":{"error":"ping: unknown host"}}]"#)
            #expect(try await series(server, key, "histogram-rtt/base").body == "[]")
            #expect(try await series(server, key, "histogram-rtt/statistics/0").body == "[]")
        }
    }
}
