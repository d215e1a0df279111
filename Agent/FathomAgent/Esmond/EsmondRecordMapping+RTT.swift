import FathomShared

/// The rtt test in esmond, as pScheduler's `EsmondRTTRecord` maps it (pscheduler-rtt-and-as.md
/// §2): the spec under `sample-size`, `ip-packet-size`, `ip-ttl`, `time-probe-interval`,
/// `time-test-timeout`; the counts as integers, RTTs as a histogram keyed by milliseconds with
/// two decimals, reply TTLs as `histogram-ttl-reverse`, and the loss as the raw
/// `{numerator: lost, denominator: sent}` pair. Loss, duplicates and reorders carry pScheduler's
/// `-bidir` names: ping measures the round trip, not one direction.
///
/// ```swift
/// EsmondRecordMapping.histogramKey(milliseconds: 0.333)   // "0.33"
/// ```
extension EsmondRecordMapping {
    static func rttMetadata(_ p: RTTParameters) -> ([JSONValue], [String: JSONValue]) {
        let aggregations = [300, 3600, 86400].map { ("aggregation", $0) }
        let types: [JSONValue] = [
            eventType("failures"),
            eventType("packet-count-sent", summaries: aggregations),
            eventType(
                "histogram-rtt",
                summaries: [
                    ("statistics", 0), ("aggregation", 3600), ("statistics", 3600), ("aggregation", 86400),
                    ("statistics", 86400),
                ]),
            eventType("histogram-ttl-reverse"),
            eventType("packet-duplicates-bidir"),
            eventType("packet-loss-rate-bidir", summaries: [("aggregation", 3600), ("aggregation", 86400)]),
            eventType("packet-count-lost-bidir", summaries: aggregations),
            eventType("packet-reorders-bidir"),
        ]
        var fields: [String: JSONValue] = [
            "sample-size": .integer(Int64(p.count)),
            "time-probe-interval": .number(seconds(p.interval)),
            "time-test-timeout": .number(seconds(p.timeout)),
        ]
        if let length = p.length { fields["ip-packet-size"] = .integer(Int64(length)) }
        if let ttl = p.ttl { fields["ip-ttl"] = .integer(Int64(ttl)) }
        return (types, fields)
    }

    static func rttValues(_ result: RTTResult) -> [JSONValue] {
        var values: [JSONValue] = []
        let counts: [(String, Int?)] = [
            ("packet-count-sent", result.sent), ("packet-count-lost-bidir", result.lost),
            ("packet-duplicates-bidir", result.duplicates), ("packet-reorders-bidir", result.reorders),
        ]
        for (name, count) in counts { if let count { values.append(point(name, .integer(Int64(count)))) } }
        var rtts: [String: Int64] = [:]
        var ttls: [String: Int64] = [:]
        for trip in result.roundtrips {
            if let rtt = trip.rttSeconds { rtts[histogramKey(milliseconds: rtt * 1000), default: 0] += 1 }
            if let ttl = trip.ttl, ttl != 0 { ttls[String(ttl), default: 0] += 1 }
        }
        if !rtts.isEmpty { values.append(point("histogram-rtt", .object(rtts.mapValues { .integer($0) }))) }
        if !ttls.isEmpty { values.append(point("histogram-ttl-reverse", .object(ttls.mapValues { .integer($0) }))) }
        if let sent = result.sent, let lost = result.lost, sent > 0 {
            values.append(
                point(
                    "packet-loss-rate-bidir",
                    .object(["numerator": .integer(Int64(lost)), "denominator": .integer(Int64(sent))])))
        }
        return values
    }

    /// Python's `"%.2f" % ms`: two decimals, rounded to nearest.
    public static func histogramKey(milliseconds: Double) -> String {
        let hundredths = Int64((milliseconds * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction)"
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
