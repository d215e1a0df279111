import FathomShared

/// The spool's form of a measurement record: one compact JSON object, written once when the run
/// ends and read once when it is delivered.
///
/// `{"run-id":…,"test-name":…,"test-type":"trace","start":…,"spec":{…},"result":{…}}` with the
/// addresses when known. The spec keeps pScheduler's names (`hops`, `probe-type`, `parallel`,
/// `single-ended-port`) and the result is pScheduler's shape, as the agent's earlier versions
/// spooled them, so records spooled before an upgrade still read; the keys those versions added
/// (`tool`, `dest`, `duration`) follow from the spec and are ignored. A `test-type` this agent
/// does not know is refused with a message naming it.
extension MeasurementRecord {
    public var spoolPayload: [UInt8] {
        var members: [String: JSONValue] = [
            "run-id": .string(runID), "test-name": .string(testName), "test-type": .string(spec.testType),
            "start": .integer(start),
        ]
        switch outcome {
        case .trace(let parameters, let result):
            members["spec"] = Self.spec(parameters)
            members["result"] = result.json
        case .throughput(let parameters, let result):
            members["spec"] = Self.spec(parameters)
            members["result"] = result.json
        case .rtt(let parameters, let result):
            members["spec"] = parameters.specJSON
            members["result"] = result.json
        }
        if let sourceAddress { members["source-address"] = .string(sourceAddress) }
        if let destAddress { members["dest-address"] = .string(destAddress) }
        return JSONText.bytes(.object(members))
    }

    /// Reads what ``spoolPayload`` (or an earlier agent) wrote; anything else fails with a message
    /// naming the key.
    public init(spoolPayload: [UInt8]) throws(JSONFields.Mismatch) {
        let value: JSONValue
        do { value = try JSONText.parse(spoolPayload) } catch {
            throw JSONFields.Mismatch("measurement record is not JSON: \(error)")
        }
        let fields = try JSONFields(value, what: "measurement record")
        let spec = try fields.object("spec")
        guard let specValue = fields["spec"] else {
            throw JSONFields.Mismatch("measurement record lacks object 'spec'")
        }
        guard let result = fields["result"] else {
            throw JSONFields.Mismatch("measurement record lacks object 'result'")
        }
        let testType = try fields.string("test-type")
        let outcome: MeasurementOutcome
        switch testType {
        case MeasurementSpec.traceTestType:
            outcome = .trace(try Self.traceParameters(spec), try TraceResult(json: result))
        case MeasurementSpec.throughputTestType:
            outcome = .throughput(try Self.throughputParameters(spec), try ThroughputResult(json: result))
        case MeasurementSpec.rttTestType:
            outcome = .rtt(try RTTParameters(specJSON: specValue), try RTTResult(json: result))
        default:
            throw JSONFields.Mismatch(
                "measurement record has test-type \"\(testType)\", which this agent cannot deliver "
                    + "(it knows \(MeasurementSpec.traceTestType), \(MeasurementSpec.throughputTestType) and \(MeasurementSpec.rttTestType))"
            )
        }
        self.init(
            runID: try fields.string("run-id"), testName: try fields.string("test-name"),
            sourceAddress: try fields.optionalString("source-address"),
            destAddress: try fields.optionalString("dest-address"),
            start: try fields.integer("start"), outcome: outcome)
    }

    // MARK: trace spec

    static func spec(_ p: TraceParameters) -> JSONValue {
        var members: [String: JSONValue] = [
            "dest": .string(p.dest), "first-ttl": .integer(Int64(p.firstTTL)), "hops": .integer(Int64(p.hops)),
            "queries": .integer(Int64(p.queries)), "wait": .string(ISODuration.string(p.wait)),
            "probe-type": .string(p.probeType.rawValue), "first-port": .integer(Int64(p.firstPort)),
            "hostnames": .bool(p.hostnames), "as": .bool(p.asNumbers),
        ]
        if let version = p.ipVersion { members["ip-version"] = .integer(Int64(version)) }
        return .object(members)
    }

    static func traceParameters(_ spec: JSONFields) throws(JSONFields.Mismatch) -> TraceParameters {
        let probeName = try spec.string("probe-type")
        guard let probeType = TraceProbeType(rawValue: probeName) else {
            throw JSONFields.Mismatch("\(spec.what) has unknown probe-type \"\(probeName)\"")
        }
        let defaults = TraceParameters(dest: "")
        return TraceParameters(
            dest: try spec.string("dest"), firstTTL: try spec.integer("first-ttl"), hops: try spec.integer("hops"),
            queries: try spec.integer("queries"), wait: try duration(spec, "wait"),
            firstPort: try spec.optionalInteger("first-port") ?? defaults.firstPort,
            ipVersion: try spec.optionalInteger("ip-version"),
            probeType: probeType, hostnames: try spec.optionalBool("hostnames") ?? defaults.hostnames,
            asNumbers: try spec.optionalBool("as") ?? defaults.asNumbers)
    }

    // MARK: throughput spec

    static func spec(_ p: ThroughputParameters) -> JSONValue {
        var members: [String: JSONValue] = [
            "dest": .string(p.dest), "duration": .string(ISODuration.string(.seconds(p.duration))),
            "parallel": .integer(Int64(p.parallel)), "reverse": .bool(p.reverse), "udp": .bool(p.udp),
            "single-ended-port": .integer(Int64(p.port)), "buffer-length": .integer(Int64(p.blockSize)),
            "control-timeout": .string(ISODuration.string(p.controlTimeout)),
        ]
        if let bandwidth = p.bandwidth { members["bandwidth"] = .integer(Int64(bandwidth)) }
        // iperf3's options under pScheduler's spec names, each only when set, as pScheduler writes them.
        if p.omit > 0 { members["omit"] = .string(ISODuration.string(.seconds(p.omit))) }
        if p.interval != .seconds(1) { members["interval"] = .string(ISODuration.string(p.interval)) }
        let integers: [(String, Int?)] = [
            ("window-size", p.window), ("mss", p.mss), ("ip-tos", p.tos), ("ip-version", p.ipVersion),
            ("bytes", p.bytes), ("blocks", p.blocks),
        ]
        for case (let key, let value?) in integers { members[key] = .integer(Int64(value)) }
        let flags: [(String, Bool)] = [
            ("zero-copy", p.zeroCopy), ("bidirectional", p.bidirectional), ("no-delay", p.noDelay),
        ]
        for (key, flag) in flags where flag { members[key] = .bool(true) }
        if let congestion = p.congestion { members["congestion"] = .string(congestion) }
        if let local = p.localAddress { members["local-address"] = .string(local) }
        return .object(members)
    }

    static func throughputParameters(_ spec: JSONFields) throws(JSONFields.Mismatch) -> ThroughputParameters {
        let defaults = ThroughputParameters(dest: "")
        let seconds = try duration(spec, "duration").components.seconds
        var controlTimeout = defaults.controlTimeout
        if spec["control-timeout"] != nil { controlTimeout = try duration(spec, "control-timeout") }
        var p = ThroughputParameters(
            dest: try spec.string("dest"), port: try spec.integer("single-ended-port"),
            reverse: try spec.bool("reverse"),
            udp: try spec.bool("udp"), parallel: try spec.integer("parallel"), duration: Int(seconds),
            blockSize: try spec.optionalInteger("buffer-length") ?? defaults.blockSize,
            bandwidth: try spec.optionalInteger("bandwidth"),
            controlTimeout: controlTimeout)
        if spec["omit"] != nil { p.omit = Int(try duration(spec, "omit").components.seconds) }
        if spec["interval"] != nil { p.interval = try duration(spec, "interval") }
        p.window = try spec.optionalInteger("window-size")
        p.mss = try spec.optionalInteger("mss")
        p.tos = try spec.optionalInteger("ip-tos")
        p.ipVersion = try spec.optionalInteger("ip-version")
        p.bytes = try spec.optionalInteger("bytes")
        p.blocks = try spec.optionalInteger("blocks")
        p.zeroCopy = try spec.optionalBool("zero-copy") ?? false
        p.bidirectional = try spec.optionalBool("bidirectional") ?? false
        p.noDelay = try spec.optionalBool("no-delay") ?? false
        p.congestion = try spec.optionalString("congestion")
        p.localAddress = try spec.optionalString("local-address")
        return p
    }

    /// An ISO 8601 duration member (`PT5S`), to the microsecond the writer kept.
    static func duration(_ spec: JSONFields, _ key: String) throws(JSONFields.Mismatch) -> Duration {
        let text = try spec.string(key)
        guard let seconds = ISODuration.seconds(text) else {
            throw JSONFields.Mismatch("\(spec.what) has '\(key)' \"\(text)\" that is not an ISO 8601 duration")
        }
        return .microseconds(Int64((seconds * 1_000_000).rounded()))
    }
}
