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
        let eventTypes: [JSONValue]
        let fields: [String: JSONValue]
        var values: [JSONValue]
        let tool: String
        switch record.outcome {
        case .trace(let parameters, let result):
            // The UDP trace is tracepath's method, ICMP echo is traceroute -I's.
            tool =
                switch parameters.probeType {
                case .udp: "tracepath"
                case .icmp: "traceroute"
                }
            (eventTypes, fields) = traceMetadata(parameters)
            values = traceValues(parameters, result)
        case .throughput(let parameters, let result):
            tool = "iperf3"
            (eventTypes, fields) = throughputMetadata(parameters)
            values = throughputValues(parameters, result)
        case .rtt(let parameters, let result):
            tool = "ping"
            (eventTypes, fields) = rttMetadata(parameters)
            values = rttValues(result)
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
            "input-destination": .string(record.spec.dest),
            "measurement-agent": .string(source),
            "tool-name": .string("pscheduler/\(tool)"),
            // The time the test reserves, not the measured one, so every run of a test maps to
            // the same metadata (`time-duration` is part of its checksum).
            "time-duration": .number(Double(record.spec.expectedDurationSeconds)),
            "pscheduler-test-type": .string(record.spec.testType),
            "event-types": .array(eventTypes),
        ]
        metadata.merge(fields) { current, _ in current }
        let data: JSONValue = .object([
            "data": .array([.object(["ts": .integer(record.start), "val": .array(values)])])
        ])
        return EsmondRecord(metadata: .object(metadata), data: data)
    }

    // MARK: trace

    static func traceMetadata(_ p: TraceParameters) -> ([JSONValue], [String: JSONValue]) {
        let fields: [String: JSONValue] = [
            "trace-first-ttl": .integer(Int64(p.firstTTL)), "trace-max-ttl": .integer(Int64(p.hops)),
            "trace-num-queries": .integer(Int64(p.queries)), "ip-transport-protocol": .string(p.probeType.rawValue),
            "time-test-timeout": .string(ISODuration.string(p.wait)),
        ]
        return (["failures", "packet-trace", "path-mtu"].map { eventType($0) }, fields)
    }

    static func traceValues(_ p: TraceParameters, _ result: TraceResult) -> [JSONValue] {
        let hops = result.paths.first ?? []
        var entries: [JSONValue] = []
        var mtu: Int?
        var pathMTU: Int?
        for (index, hop) in hops.enumerated() {
            if let hopMTU = hop.mtu {
                mtu = hopMTU
                pathMTU = min(pathMTU ?? hopMTU, hopMTU)
            }
            var entry: [String: JSONValue] = ["ttl": .integer(Int64(p.firstTTL + index)), "query": .integer(1)]
            entry["success"] = .integer(hop.ip != nil && hop.error == nil ? 1 : 0)
            if let ip = hop.ip { entry["ip"] = .string(ip) }
            if let name = hop.hostname { entry["hostname"] = .string(name) }
            // pScheduler's esmond archiver copies the hop's `as` object as it is.
            if let origin = hop.asNumber { entry["as"] = origin.json }
            if let rtt = hop.rtt, let seconds = ISODuration.seconds(rtt) { entry["rtt"] = .number(seconds * 1000) }
            if let mtu { entry["mtu"] = .integer(Int64(mtu)) }
            if let error = hop.error { entry["error-message"] = .string(error) }
            entries.append(.object(entry))
        }
        var values = [point("packet-trace", .array(entries))]
        if let pathMTU { values.append(point("path-mtu", .integer(Int64(pathMTU)))) }
        return values
    }

    // MARK: throughput

    static func throughputMetadata(_ p: ThroughputParameters) -> ([JSONValue], [String: JSONValue]) {
        var types: [JSONValue] = [
            eventType("failures"),
            eventType("throughput", summaries: [("average", 86400)]),
            eventType("throughput-subintervals"),
        ]
        let aggregations = [300, 3600, 86400].map { ("aggregation", $0) }
        if p.udp {
            types += ["packet-loss-rate", "packet-count-lost", "packet-count-sent"].map {
                eventType($0, summaries: aggregations)
            }
        } else {
            types += [eventType("packet-retransmits"), eventType("packet-retransmits-subintervals")]
        }
        if p.parallel > 1 {
            types += [eventType("streams-throughput"), eventType("streams-throughput-subintervals")]
            if !p.udp {
                types += [
                    eventType("streams-packet-retransmits"), eventType("streams-packet-retransmits-subintervals"),
                ]
            }
        }
        var fields: [String: JSONValue] = [
            "bw-parallel-streams": .integer(Int64(p.parallel)), "ip-transport-protocol": .string(p.udp ? "udp" : "tcp"),
        ]
        if let bandwidth = p.bandwidth { fields["bw-target-bandwidth"] = .integer(Int64(bandwidth)) }
        return (types, fields)
    }

    static func throughputValues(_ p: ThroughputParameters, _ result: ThroughputResult) -> [JSONValue] {
        var values: [JSONValue] = []
        let summary = result.summary?.summary
        // esmond's `throughput` is an integer type: whole bits per second, truncated as its `int()` does.
        if let summary { values.append(point("throughput", wholeBits(summary.throughputBits))) }
        // Omitted intervals (iperf3's -O) precede the test's own and restart at 0: not the test's series.
        let intervals = result.intervals.filter { $0.summary.omitted != true }
        // esmond refuses an empty subinterval list (400), which would quarantine the whole run.
        if !intervals.isEmpty {
            values.append(
                point(
                    "throughput-subintervals",
                    .array(intervals.map { subinterval($0.summary, .number($0.summary.throughputBits)) })))
        }
        if p.udp {
            let sent = summary?.sent
            let lost = summary?.lost
            if let sent { values.append(point("packet-count-sent", .integer(Int64(sent)))) }
            if let lost { values.append(point("packet-count-lost", .integer(Int64(lost)))) }
            if let sent, let lost, sent > 0 {
                values.append(
                    point(
                        "packet-loss-rate",
                        .object(["numerator": .integer(Int64(lost)), "denominator": .integer(Int64(sent))])))
            }
        } else {
            if let retransmits = summary?.retransmits {
                values.append(point("packet-retransmits", .integer(Int64(retransmits))))
            }
            let subintervals = intervals.compactMap { period in
                period.summary.retransmits.map { subinterval(period.summary, .integer(Int64($0))) }
            }
            if !subintervals.isEmpty { values.append(point("packet-retransmits-subintervals", .array(subintervals))) }
        }
        if p.parallel > 1 {
            let streams = result.summary?.streams ?? []
            values.append(point("streams-throughput", .array(streams.map { .number($0.throughputBits) })))
            values.append(
                point(
                    "streams-throughput-subintervals",
                    .array(perStream(intervals, count: streams.count) { .number($0.throughputBits) })))
            if !p.udp {
                values.append(point("streams-packet-retransmits", .array(streams.map { retransmits($0) ?? .null })))
                values.append(
                    point(
                        "streams-packet-retransmits-subintervals",
                        .array(perStream(intervals, count: streams.count, retransmits))))
            }
        }
        return values
    }

    /// A rate as esmond's integer types keep it: truncated to whole bits per second.
    static func wholeBits(_ bits: Double) -> JSONValue {
        bits.isFinite && abs(bits) < 9.2e18 ? .integer(Int64(bits)) : .integer(0)
    }

    static func retransmits(_ data: ThroughputData) -> JSONValue? { data.retransmits.map { .integer(Int64($0)) } }

    /// `{start, duration, val}` of one interval.
    static func subinterval(_ data: ThroughputData, _ value: JSONValue) -> JSONValue {
        .object(["start": .number(data.start), "duration": .number(data.end - data.start), "val": value])
    }

    /// For each stream (by position), its subintervals of the value `of` reads (none where it reads nil).
    static func perStream(_ intervals: [ThroughputPeriod], count: Int, _ of: (ThroughputData) -> JSONValue?)
        -> [JSONValue]
    {
        (0..<count).map { index in
            .array(
                intervals.compactMap { interval -> JSONValue? in
                    guard index < interval.streams.count, let value = of(interval.streams[index]) else { return nil }
                    return subinterval(interval.streams[index], value)
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
            object["summaries"] = .array(
                summaries.map { type, window in
                    .object([
                        "event-type": .string(name), "summary-type": .string(type),
                        "summary-window": .integer(Int64(window)),
                    ])
                })
        }
        return .object(object)
    }
}
