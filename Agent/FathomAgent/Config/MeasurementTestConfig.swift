import FathomShared

/// Reads the `[[test]]` tables of the agent config into ``MeasurementTest``s:
///
/// ```toml
/// [[test]]
/// name = "trace-ps2"
/// type = "trace"            # or "throughput"
/// dest = "ps2.example.net"
/// repeat = "PT1H"           # ISO 8601 duration or whole seconds
/// slip = "PT30M"            # the run starts at a random second within this window
/// hops = 30                 # trace: hops, first_ttl, queries, wait, ip_version,
///                           #   probe_type ("udp", or "icmp" with CAP_NET_RAW), hostnames (default true),
///                           #   as (hop origin ASes from Team Cymru's DNS service, default true)
///
/// [[test]]
/// name = "throughput-ps2"
/// type = "throughput"
/// dest = "ps2.example.net"
/// repeat = "PT4H"
/// slip = "PT4H"
/// duration = 10             # throughput: duration, parallel, reverse, udp, bandwidth, port, and
///                           #   iperf3's options under pScheduler's names: omit, window_size,
///                           #   buffer_length, zero_copy, interval, bidirectional, bytes, blocks,
///                           #   congestion, ip_tos (or dscp), mss, no_delay, ip_version, local_address
/// omit = "PT2S"
/// window_size = "4M"        # sizes: bytes, or a number with K, M or G (binary, as iperf3)
///
/// [[test]]
/// name = "rtt-ps2"
/// type = "rtt"
/// dest = "ps2.example.net"
/// repeat = "PT5M"
/// count = 10                # rtt: count, interval, length, ttl, ip_version, timeout
/// interval = "PT0.5S"       # ISO 8601 duration or seconds (fractions allowed)
/// ```
///
/// Every key is checked: an unknown key, a duplicate name or a value out of range is an error
/// that names the test.
public enum MeasurementTestConfig {
    static let common: Set<String> = ["name", "type", "dest", "repeat", "slip"]
    static let traceKeys: Set<String> = [
        "hops", "first_ttl", "queries", "wait", "ip_version", "probe_type", "hostnames", "as",
    ]
    static let throughputKeys: Set<String> = [
        "duration", "parallel", "reverse", "udp", "bandwidth", "port", "omit", "window_size", "buffer_length",
        "zero_copy", "interval",
        "bidirectional", "bytes", "blocks", "congestion", "ip_tos", "dscp", "mss", "no_delay", "ip_version",
        "local_address",
    ]
    static let rttKeys: Set<String> = ["count", "interval", "length", "ttl", "ip_version", "timeout"]

    public static func parse(_ tables: [ConfigSection]) throws(ConfigError) -> [MeasurementTest] {
        var tests: [MeasurementTest] = []
        var names: Set<String> = []
        for (index, section) in tables.enumerated() {
            let test = try parse(section, index: index)
            guard names.insert(test.name).inserted else { throw ConfigError("test name '\(test.name)' is used twice") }
            tests.append(test)
        }
        return tests
    }

    static func parse(_ section: ConfigSection, index: Int) throws(ConfigError) -> MeasurementTest {
        guard let name = try section.string("name"), !name.isEmpty else {
            throw ConfigError("test #\(index + 1) has no name")
        }
        func fail(_ message: String) -> ConfigError { ConfigError("test '\(name)': \(message)") }
        guard let type = try section.string("type") else { throw fail("no type (trace, throughput or rtt)") }
        guard let dest = try section.string("dest"), !dest.isEmpty else { throw fail("no dest") }
        guard let repeatSeconds = try seconds(section, "repeat") else { throw fail("no repeat interval") }
        guard repeatSeconds >= 1 else { throw fail("repeat must be at least 1 second") }
        let slip = try seconds(section, "slip") ?? 0
        guard slip >= 0 else { throw fail("slip must not be negative") }
        let spec: MeasurementSpec
        switch type {
        case "trace":
            try section.rejectUnknownKeys(allowed: common.union(traceKeys))
            var p = TraceParameters(dest: dest)
            if let v = try section.int("hops") { p.hops = v }
            if let v = try section.int("first_ttl") { p.firstTTL = v }
            if let v = try section.int("queries") { p.queries = v }
            if let v = try seconds(section, "wait") { p.wait = .seconds(v) }
            p.ipVersion = try section.int("ip_version")
            if let name = try section.string("probe_type") {
                do { p.probeType = try TraceProbeType(parsing: name) } catch { throw fail("\(error)") }
            }
            // pScheduler looks up hop names and origin ASes unless told not to.
            p.hostnames = try section.bool("hostnames") ?? true
            p.asNumbers = try section.bool("as") ?? true
            do { spec = .trace(try p.validated()) } catch { throw fail("\(error)") }
        case "throughput":
            try section.rejectUnknownKeys(allowed: common.union(throughputKeys))
            var p = ThroughputParameters(dest: dest)
            if let v = try section.int("duration") { p.duration = v }
            if let v = try section.int("parallel") { p.parallel = v }
            if let v = try section.int("port") { p.port = v }
            p.reverse = try section.bool("reverse") ?? false
            p.udp = try section.bool("udp") ?? false
            if let value = section.table["bandwidth"] {
                guard let rate = value.int ?? value.string.flatMap(BitRateText.bitsPerSecond) else {
                    throw fail("bandwidth must be bits per second, or a number with K, M or G like \"100M\"")
                }
                p.bandwidth = rate
            }
            try readIperf3Options(section, into: &p, fail: fail)
            do { spec = .throughput(try p.validated()) } catch { throw fail("\(error)") }
        case "rtt":
            try section.rejectUnknownKeys(allowed: common.union(rttKeys))
            var p = RTTParameters(dest: dest)
            if let v = try section.int("count") { p.count = v }
            if let v = try fractionalSeconds(section, "interval") { p.interval = v }
            if let v = try fractionalSeconds(section, "timeout") { p.timeout = v }
            p.length = try section.int("length")
            p.ttl = try section.int("ttl")
            p.ipVersion = try section.int("ip_version")
            do { spec = .rtt(try p.validated()) } catch { throw fail("\(error)") }
        default:
            throw fail("unknown type '\(type)' (trace, throughput or rtt)")
        }
        return MeasurementTest(name: name, spec: spec, repeatSeconds: repeatSeconds, slipSeconds: slip)
    }

    /// A duration from a number of seconds (fractions allowed) or an ISO 8601 duration string.
    static func fractionalSeconds(_ section: ConfigSection, _ key: String) throws(ConfigError) -> Duration? {
        let seconds: Double
        if let value = section.table[key]?.double ?? section.table[key]?.int.map(Double.init) {
            seconds = value
        } else if let text = try section.string(key) {
            guard let parsed = ISODuration.seconds(text), parsed < 1e9 else {
                throw ConfigError(
                    "config key '\(section.path).\(key)' must be seconds or an ISO 8601 duration like PT0.5S, found '\(text)'"
                )
            }
            seconds = parsed
        } else {
            return nil
        }
        guard seconds.isFinite, abs(seconds) < 1e9 else {
            throw ConfigError("config key '\(section.path).\(key)' is out of range")
        }
        return .microseconds(Int64((seconds * 1_000_000).rounded()))
    }

    /// The iperf3 options of a throughput test, under pScheduler's spec names (with underscores,
    /// as the config's other keys): omit, window_size, buffer_length, zero_copy, interval,
    /// bidirectional, bytes, blocks, congestion, ip_tos or dscp, mss, no_delay, ip_version, local_address.
    static func readIperf3Options(
        _ section: ConfigSection, into p: inout ThroughputParameters, fail: (String) -> ConfigError
    ) throws(ConfigError) {
        func size(_ key: String) throws(ConfigError) -> Int? {
            guard let value = section.table[key] else { return nil }
            guard let bytes = value.int ?? value.string.flatMap(ByteCountText.bytes) else {
                throw fail("\(key) must be bytes, or a number with K, M or G like \"4M\"")
            }
            return bytes
        }
        if let v = try seconds(section, "omit") { p.omit = v }
        if let v = try size("window_size") { p.window = v }
        if let v = try size("buffer_length") { p.blockSize = v }
        if let v = try size("bytes") { p.bytes = v }
        if let v = try section.int("blocks") { p.blocks = v }
        if let v = try section.int("mss") { p.mss = v }
        p.zeroCopy = try section.bool("zero_copy") ?? false
        p.bidirectional = try section.bool("bidirectional") ?? false
        p.noDelay = try section.bool("no_delay") ?? false
        if let value = section.table["interval"] {
            // Seconds (fractions allowed, as iperf3's -i) or an ISO 8601 duration.
            guard let seconds = value.double ?? value.int.map(Double.init) ?? value.string.flatMap(ISODuration.seconds),
                seconds > 0, seconds <= 60
            else {
                throw fail("interval must be seconds (0.1...60) or an ISO 8601 duration like PT0.5S")
            }
            p.interval = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        p.congestion = try section.string("congestion")
        if section.table["ip_tos"] != nil && section.table["dscp"] != nil {
            throw fail("ip_tos and dscp both set the TOS byte: give one")
        }
        if let value = section.table["ip_tos"] {
            guard let tos = value.int ?? value.string.flatMap(ByteCountText.tos) else {
                throw fail("ip_tos must be 0...255 (or \"0x20\")")
            }
            p.tos = tos
        }
        if let value = section.table["dscp"] {
            guard let tos = value.int.map({ $0 << 2 }) ?? value.string.flatMap(ByteCountText.dscp) else {
                throw fail("dscp must be 0...63 or a name like \"EF\" or \"AF41\"")
            }
            p.tos = tos
        }
        p.ipVersion = try section.int("ip_version")
        p.localAddress = try section.string("local_address")
    }

    /// Whole seconds from an integer or an ISO 8601 duration string.
    static func seconds(_ section: ConfigSection, _ key: String) throws(ConfigError) -> Int? {
        if let value = try? section.int(key) { return value }
        guard let text = try section.string(key) else { return nil }
        guard let seconds = ISODuration.seconds(text), seconds < 1e9 else {
            throw ConfigError(
                "config key '\(section.path).\(key)' must be whole seconds or an ISO 8601 duration like PT1H, found '\(text)'"
            )
        }
        return Int(seconds.rounded())
    }
}
