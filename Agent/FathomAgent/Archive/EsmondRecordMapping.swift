import FathomShared

/// What one run becomes in the esmond archive: the metadata to POST (found again by checksum
/// when it already exists) and the single data point to PUT under its key.
///
/// ```swift
/// let esmond = EsmondRecordMapping.map(record)
/// esmond.metadata["tool-name"]    // "pscheduler/tracepath"
/// esmond.data                     // {"data":[{"ts":…,"val":[{"event-type":"packet-trace",…}]}]}
/// ```
public struct EsmondRecord: Sendable, Equatable {
    public var metadata: JSONValue
    /// The bulk body: `{"data":[{"ts": start, "val": [{"event-type": …, "val": …}, …]}]}`.
    public var data: JSONValue
}

/// Maps measurement records to esmond the way pScheduler's esmond archiver does (spec:
/// esmond.md §6.3–6.5): point-to-point subject, `pscheduler/<tool>`, the test's parameters under
/// esmond's names, pScheduler's default summaries, and a failed run as one `failures` point.
///
/// Deviations, on purpose: no `pscheduler-run-href` (there is no pScheduler run to link to), and
/// an address that never resolved is recorded as the unspecified address (`0.0.0.0` / `::`)
/// rather than `null`, which esmond answers with a 500 and pScheduler then retries forever.
public enum EsmondRecordMapping {
    public static func map(_ record: MeasurementRecord) -> EsmondRecord {
        var eventTypes: [JSONValue]
        var fields: [String: JSONValue]
        var values: [JSONValue] = []
        switch record.testType {
        case "throughput":
            (eventTypes, fields) = throughputMetadata(record)
            if record.succeeded { values = throughputValues(record) }
        default:
            (eventTypes, fields) = traceMetadata(record)
            if record.succeeded { values = traceValues(record) }
        }
        if !record.succeeded {
            values = [point("failures", .object(["error": .string(record.failureMessage)]))]
        }
        let family6 = (record.sourceAddress ?? record.destAddress ?? "").contains(":")
        let unspecified = family6 ? "::" : "0.0.0.0"
        let source = record.sourceAddress ?? unspecified
        var metadata: [String: JSONValue] = [
            "subject-type": .string("point-to-point"),
            "source": .string(source),
            "destination": .string(record.destAddress ?? unspecified),
            "input-source": .string(source),
            "input-destination": .string(record.dest),
            "measurement-agent": .string(source),
            "tool-name": .string("pscheduler/\(record.tool)"),
            "time-duration": .number(record.durationSeconds),
            "pscheduler-test-type": .string(record.testType),
            "event-types": .array(eventTypes),
        ]
        metadata.merge(fields) { current, _ in current }
        let data: JSONValue = .object(["data": .array([.object(["ts": .integer(record.start), "val": .array(values)])])])
        return EsmondRecord(metadata: .object(metadata), data: data)
    }

    // MARK: trace

    static func traceMetadata(_ record: MeasurementRecord) -> ([JSONValue], [String: JSONValue]) {
        let names = [
            "first-ttl": "trace-first-ttl", "hops": "trace-max-ttl", "queries": "trace-num-queries",
            "probe-type": "ip-transport-protocol", "wait": "time-test-timeout", "length": "ip-packet-size",
        ]
        return (["failures", "packet-trace", "path-mtu"].map { eventType($0) }, renamed(record.spec, names))
    }

    static func traceValues(_ record: MeasurementRecord) -> [JSONValue] {
        guard case .array(let paths)? = record.result["paths"], case .array(let hops)? = paths.first else {
            return [point("packet-trace", .array([]))]
        }
        let firstTTL = record.spec["first-ttl"]?.integerValue ?? 1
        var entries: [JSONValue] = []
        var mtu: Int64?
        var pathMTU: Int64?
        for (index, hop) in hops.enumerated() {
            if let hopMTU = hop["mtu"]?.integerValue {
                mtu = hopMTU
                pathMTU = min(pathMTU ?? hopMTU, hopMTU)
            }
            var entry: [String: JSONValue] = ["ttl": .integer(firstTTL + Int64(index)), "query": .integer(1)]
            let error: String? = if case .string(let text)? = hop["error"] { text } else { nil }
            let ip: String? = if case .string(let text)? = hop["ip"] { text } else { nil }
            entry["success"] = .integer(ip != nil && error == nil ? 1 : 0)
            if let ip { entry["ip"] = .string(ip) }
            if case .string(let name)? = hop["hostname"] { entry["hostname"] = .string(name) }
            if case .string(let rtt)? = hop["rtt"], let seconds = ISODuration.seconds(rtt) {
                entry["rtt"] = .number(seconds * 1000)
            }
            if let mtu { entry["mtu"] = .integer(mtu) }
            if let error { entry["error-message"] = .string(error) }
            entries.append(.object(entry))
        }
        var values = [point("packet-trace", .array(entries))]
        if let pathMTU { values.append(point("path-mtu", .integer(pathMTU))) }
        return values
    }

    // MARK: throughput

    static func throughputMetadata(_ record: MeasurementRecord) -> ([JSONValue], [String: JSONValue]) {
        let udp = record.spec["udp"] == .bool(true)
        let parallel = record.spec["parallel"]?.integerValue ?? 1
        var types: [JSONValue] = [
            eventType("failures"),
            eventType("throughput", summaries: [("average", 86400)]),
            eventType("throughput-subintervals"),
        ]
        let aggregations = [300, 3600, 86400].map { ("aggregation", $0) }
        if udp {
            types += ["packet-loss-rate", "packet-count-lost", "packet-count-sent"].map { eventType($0, summaries: aggregations) }
        } else {
            types += [eventType("packet-retransmits"), eventType("packet-retransmits-subintervals")]
        }
        if parallel > 1 {
            types += [eventType("streams-throughput"), eventType("streams-throughput-subintervals")]
            if !udp { types += [eventType("streams-packet-retransmits"), eventType("streams-packet-retransmits-subintervals")] }
        }
        var fields = renamed(record.spec, [
            "parallel": "bw-parallel-streams", "bandwidth": "bw-target-bandwidth", "buffer-length": "bw-buffer-size",
            "window-size": "tcp-window-size", "mss": "tcp-max-segment-size", "ip-tos": "ip-tos", "omit": "bw-ignore-first-seconds",
        ])
        fields["ip-transport-protocol"] = .string(udp ? "udp" : "tcp")
        return (types, fields)
    }

    static func throughputValues(_ record: MeasurementRecord) -> [JSONValue] {
        let udp = record.spec["udp"] == .bool(true)
        let parallel = record.spec["parallel"]?.integerValue ?? 1
        var values: [JSONValue] = []
        let summary = record.result["summary"]?["summary"]
        if let bits = summary?["throughput-bits"]?.doubleValue { values.append(point("throughput", .number(bits))) }
        let intervals: [JSONValue] = if case .array(let list)? = record.result["intervals"] { list } else { [] }
        values.append(point("throughput-subintervals", .array(intervals.compactMap { subinterval($0["summary"], "throughput-bits") })))
        if udp {
            let sent = summary?["sent"]?.integerValue
            let lost = summary?["lost"]?.integerValue
            if let sent { values.append(point("packet-count-sent", .integer(sent))) }
            if let lost { values.append(point("packet-count-lost", .integer(lost))) }
            if let sent, let lost, sent > 0 {
                values.append(point("packet-loss-rate", .object(["numerator": .integer(lost), "denominator": .integer(sent)])))
            }
        } else {
            if let retransmits = summary?["retransmits"]?.integerValue { values.append(point("packet-retransmits", .integer(retransmits))) }
            let subintervals = intervals.compactMap { subinterval($0["summary"], "retransmits") }
            if !subintervals.isEmpty { values.append(point("packet-retransmits-subintervals", .array(subintervals))) }
        }
        if parallel > 1 {
            let streams: [JSONValue] = if case .array(let list)? = record.result["summary"]?["streams"] { list } else { [] }
            values.append(point("streams-throughput", .array(streams.map { $0["throughput-bits"] ?? .null })))
            values.append(point("streams-throughput-subintervals", .array(perStream(intervals, count: streams.count, "throughput-bits"))))
            if !udp {
                values.append(point("streams-packet-retransmits", .array(streams.map { $0["retransmits"] ?? .null })))
                values.append(point("streams-packet-retransmits-subintervals", .array(perStream(intervals, count: streams.count, "retransmits"))))
            }
        }
        return values
    }

    /// `{start, duration, val}` of one interval's `key`, nil when the interval lacks it.
    static func subinterval(_ data: JSONValue?, _ key: String) -> JSONValue? {
        guard let data, let start = data["start"]?.doubleValue, let end = data["end"]?.doubleValue, let value = data[key] else {
            return nil
        }
        return .object(["start": .number(start), "duration": .number(end - start), "val": value])
    }

    /// For each stream (by position), its subintervals of `key`.
    static func perStream(_ intervals: [JSONValue], count: Int, _ key: String) -> [JSONValue] {
        (0..<count).map { index in
            .array(intervals.compactMap { interval -> JSONValue? in
                guard case .array(let streams)? = interval["streams"], index < streams.count else { return nil }
                return subinterval(streams[index], key)
            })
        }
    }

    // MARK: helpers

    static func point(_ eventType: String, _ value: JSONValue) -> JSONValue {
        .object(["event-type": .string(eventType), "val": value])
    }

    static func eventType(_ name: String, summaries: [(String, Int)] = []) -> JSONValue {
        var object: [String: JSONValue] = ["event-type": .string(name)]
        if !summaries.isEmpty {
            object["summaries"] = .array(summaries.map { type, window in
                .object(["event-type": .string(name), "summary-type": .string(type), "summary-window": .integer(Int64(window))])
            })
        }
        return .object(object)
    }

    /// The spec entries that have an esmond name, under that name (booleans and numbers as esmond
    /// stores them, `str(value)`, is the receiver's business).
    static func renamed(_ spec: [String: JSONValue], _ names: [String: String]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (key, value) in spec {
            guard let name = names[key], value != .null else { continue }
            out[name] = value
        }
        return out
    }
}
