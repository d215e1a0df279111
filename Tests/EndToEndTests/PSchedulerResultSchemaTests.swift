import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// Every JSON result the agent prints (`trace --json`, `throughput --json`, `responder --json`, `rtt --json`;
/// success and failure) validates against pScheduler's result schemas, checked by Python's
/// `jsonschema` (system `python3`, else a venv with it from PyPI). The schemas are written here
/// as data from the spec (`shared/specs/pscheduler.md` §1–3.2, pScheduler's `result_is_valid`
/// of the trace and throughput tests): `additionalProperties: false` where pScheduler has it,
/// and its `Cardinal`, `Duration`, `IPAddress` and `AS` types.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PSchedulerResultSchemaTests {
    static let agent = Shell.binDirectory + "/fathom-agent"
    static let venv = "/tmp/fathom-jsonschema-venv"

    /// Shared pieces: `Cardinal`, `Duration` (ISO 8601, no years/months/repeats), `AS`, `icmp-error`.
    static let definitions = #"""
        "Cardinal": {"type": "integer", "minimum": 1},
        "Duration": {"type": "string",
          "pattern": "^P(?:\\d+(?:\\.\\d+)?W)?(?:\\d+(?:\\.\\d+)?D)?(?:T(?:\\d+(?:\\.\\d+)?H)?(?:\\d+(?:\\.\\d+)?M)?(?:\\d+(?:\\.\\d+)?S)?)?$"},
        "IPAddress": {"oneOf": [{"type": "string", "format": "ipv4"}, {"type": "string", "format": "ipv6"}]},
        "HostName": {"type": "string", "minLength": 1, "maxLength": 255,
          "pattern": "^[A-Za-z0-9_][A-Za-z0-9\\-]{0,62}(\\.[A-Za-z0-9][A-Za-z0-9\\-]{0,62})*\\.?$"},
        "Host": {"anyOf": [{"$ref": "#/definitions/HostName"}, {"$ref": "#/definitions/IPAddress"}]},
        "AS": {"type": "object", "additionalProperties": false, "required": ["number"],
          "properties": {"number": {"$ref": "#/definitions/Cardinal"}, "owner": {"type": "string"}}},
        "icmp-error": {"type": "string", "enum": ["net-unreachable", "host-unreachable", "protocol-unreachable",
          "port-unreachable", "fragmentation-needed-and-df-set", "source-route-failed", "destination-network-unknown",
          "destination-host-unknown", "source-host-isolated", "destination-network-administratively-prohibited",
          "destination-host-administratively-prohibited", "network-unreachable-for-type-of-service",
          "icmp-destination-host-unreachable-tos", "communication-administratively-prohibited",
          "host-precedence-violation", "precedence-cutoff-in-effect"]}
        """#

    /// The trace test's result: `paths` of hop arrays, every hop key optional.
    static let traceSchema = #"""
        {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {
        \#(definitions),
        "hop": {"type": "object", "properties": {"ip": {"$ref": "#/definitions/IPAddress"},
          "hostname": {"$ref": "#/definitions/Host"}, "rtt": {"$ref": "#/definitions/Duration"},
          "as": {"$ref": "#/definitions/AS"}, "error": {"$ref": "#/definitions/icmp-error"},
          "mtu": {"$ref": "#/definitions/Cardinal"}}}},
        "type": "object", "required": ["paths", "succeeded"],
        "properties": {"schema": {"$ref": "#/definitions/Cardinal"},
          "paths": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/definitions/hop"}}},
          "succeeded": {"type": "boolean"}, "error": {"type": "string"}, "diags": {"type": "string"}}}
        """#

    /// The throughput test's result: `succeeded`, `diags`, `intervals` and `summary` required,
    /// no unknown key anywhere, `tdata` typed as pScheduler types it.
    static let throughputSchema = #"""
        {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {
        \#(definitions),
        "tdata": {"type": "object", "additionalProperties": false, "properties": {
          "throughput-bits": {"type": "number"}, "throughput-bytes": {"type": "number"},
          "receiver-throughput-bits": {"type": "number"}, "sent": {"type": ["integer", "null"]},
          "lost": {"type": ["integer", "null"]}, "jitter": {"type": ["number", "null"]},
          "stream-id": {"type": ["string", "integer"]}, "start": {"type": "number"}, "end": {"type": "number"},
          "rtt": {"type": ["number", "null"]}, "tcp-window-size": {"type": ["integer", "null"]},
          "retransmits": {"type": ["integer", "null"]}, "omitted": {"type": "boolean"}}},
        "period": {"type": "object", "properties": {
          "streams": {"type": "array", "items": {"$ref": "#/definitions/tdata"}}, "summary": {"$ref": "#/definitions/tdata"}}}},
        "type": "object", "additionalProperties": false, "required": ["succeeded", "diags", "intervals", "summary"],
        "properties": {"schema": {"$ref": "#/definitions/Cardinal"}, "succeeded": {"type": "boolean"},
          "error": {"type": "string"}, "diags": {"type": "string"}, "mss": {"type": "integer"}, "mtu": {"type": "integer"},
          "tcp-window-size": {"type": "integer"}, "requested-tcp-window-size": {"type": "integer"},
          "intervals": {"type": "array", "items": {"$ref": "#/definitions/period"}},
          "summary": {"$ref": "#/definitions/period"}}}
        """#

    /// The rtt test's result (pscheduler-rtt-and-as.md §1.3): `succeeded`, `roundtrips` and
    /// `loss` required, `loss` a fraction, counts `Cardinal`/`CardinalZero`, statistics `Duration`.
    static let rttSchema = #"""
        {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {
        \#(definitions),
        "CardinalZero": {"type": "integer", "minimum": 0},
        "Probability": {"type": "number", "minimum": 0.0, "maximum": 1.0},
        "roundtrip": {"type": "object", "properties": {"seq": {"$ref": "#/definitions/Cardinal"},
          "length": {"$ref": "#/definitions/Cardinal"}, "ip": {"$ref": "#/definitions/IPAddress"},
          "ttl": {"$ref": "#/definitions/Cardinal"}, "rtt": {"$ref": "#/definitions/Duration"},
          "error": {"$ref": "#/definitions/icmp-error"}}}},
        "type": "object", "required": ["succeeded", "roundtrips", "loss"],
        "properties": {"schema": {"$ref": "#/definitions/Cardinal"}, "succeeded": {"type": "boolean"},
          "error": {"type": "string"}, "diags": {"type": "string"},
          "roundtrips": {"type": "array", "items": {"$ref": "#/definitions/roundtrip"}},
          "sent": {"$ref": "#/definitions/Cardinal"}, "received": {"$ref": "#/definitions/CardinalZero"},
          "lost": {"$ref": "#/definitions/CardinalZero"}, "duplicates": {"$ref": "#/definitions/CardinalZero"},
          "reorders": {"$ref": "#/definitions/CardinalZero"}, "loss": {"$ref": "#/definitions/Probability"},
          "min": {"$ref": "#/definitions/Duration"}, "max": {"$ref": "#/definitions/Duration"},
          "mean": {"$ref": "#/definitions/Duration"}, "stddev": {"$ref": "#/definitions/Duration"}}}
        """#

    /// Validates each `NAME.json` against `SCHEMA.schema.json` (`NAME` = `SCHEMA-…`); prints
    /// `OK NAME` or `INVALID NAME: reason`.
    static let validator = #"""
        import glob, json, os, sys
        import jsonschema
        d = sys.argv[1]
        for path in sorted(glob.glob(os.path.join(d, "*.json"))):
            name = os.path.basename(path)
            if name.endswith(".schema.json"):
                continue
            schema = json.load(open(os.path.join(d, name.split("-")[0] + ".schema.json")))
            doc = json.load(open(path))
            v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
            errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
            print(("OK " + name) if not errors else ("INVALID " + name + ": " + "; ".join(
                "%s at %s" % (e.message, list(e.path)) for e in errors[:3])))
        """#

    /// A Python with `jsonschema`: the system one, else a venv made for it (nil: not here).
    static func python() async throws -> [String]? {
        let system = ["/usr/bin/env", "python3"]
        if try await Shell.run(system + ["-c", "import jsonschema"]).status == 0 { return system }
        let venvPython = [venv + "/bin/python"]
        if FileManager.default.fileExists(atPath: venvPython[0]),
            try await Shell.run(venvPython + ["-c", "import jsonschema"]).status == 0
        {
            return venvPython
        }
        let made = try await Shell.run(
            ["/bin/sh", "-c", "python3 -m venv \(venv) && \(venv)/bin/pip install -q jsonschema"], timeout: 120)
        return made.status == 0 ? venvPython : nil
    }

    @Test func everyResultTheAgentPrintsValidatesAgainstPSchedulersSchemas() async throws {
        guard let python = try await Self.python() else {
            try Prerequisite.unavailable("python3 with jsonschema (or venv and PyPI to install it) is not available")
            return
        }
        let dir = TempDirectory("fathom-pscheduler-schema")
        defer { dir.remove() }
        try dir.write("trace.schema.json", Self.traceSchema)
        try dir.write("throughput.schema.json", Self.throughputSchema)
        try dir.write("rtt.schema.json", Self.rttSchema)
        try dir.write("validate.py", Self.validator)

        // Throughput, TCP forward: the client's and the responder's results.
        let port = try TestPorts.take()
        async let responder = Iperf3Tool.run(
            [Self.agent, "responder", "--port", "\(port)", "--once", "--json"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: port)
        let tcp = try await Iperf3Tool.run(
            [
                Self.agent, "throughput", "127.0.0.1", "--port", "\(port)", "--duration", "2", "--bandwidth", "500M",
                "--json",
            ], timeout: 30)
        #expect(tcp.status == 0, "\(tcp.stdout) \(tcp.stderr)")
        try dir.write("throughput-tcp.json", tcp.stdout)
        let served = try await responder
        try dir.write("throughput-responder.json", served.stdout)
        // Interval streams carry TCP_INFO's rtt (µs) and congestion window (bytes) on the sending side.
        let result = try ThroughputResult.decode(json: tcp.stdout)
        let streams = result.intervals.flatMap(\.streams)
        #expect(
            !streams.isEmpty && streams.allSatisfy { ($0.rtt ?? 0) > 0 && ($0.tcpWindowSize ?? 0) > 0 },
            "\(tcp.stdout.prefix(600))")

        // Throughput, UDP.
        let udpPort = try TestPorts.take()
        async let udpResponder = Iperf3Tool.run(
            [Self.agent, "responder", "--port", "\(udpPort)", "--once"], timeout: 30)
        try await Iperf3Tool.awaitListener(port: udpPort)
        let udp = try await Iperf3Tool.run(
            [
                Self.agent, "throughput", "127.0.0.1", "--port", "\(udpPort)", "--udp", "--duration", "1",
                "--bandwidth", "10M", "--json",
            ],
            timeout: 30)
        let udpServed = try await udpResponder
        #expect(udp.status == 0 && udpServed.status == 0, "\(udp.stdout) \(udp.stderr) \(udpServed.stderr)")
        try dir.write("throughput-udp.json", udp.stdout)

        // Throughput failure: nobody listens on the port.
        let closed = try TestPorts.take()
        let refused = try await Iperf3Tool.run([
            Self.agent, "throughput", "127.0.0.1", "--port", "\(closed)", "--duration", "1", "--json",
        ])
        #expect(refused.status != 0)
        #expect(refused.stdout.contains(#""summary":{}"#), "a failure still has its summary: \(refused.stdout)")
        try dir.write("throughput-failed.json", refused.stdout)

        // Trace success to loopback, and a failure (a name that cannot resolve).
        let trace = try await Iperf3Tool.run(
            [
                Self.agent, "trace", "127.0.0.1", "--max-hops", "3", "--queries", "1", "--timeout", "1",
                "--no-hostnames", "--json",
            ])
        #expect(trace.status == 0, "\(trace.stdout) \(trace.stderr)")
        try dir.write("trace-ok.json", trace.stdout)
        let unresolved = try await Iperf3Tool.run([
            Self.agent, "trace", "no-such-host.invalid", "--max-hops", "2", "--json",
        ])
        #expect(unresolved.stdout.contains(#""succeeded":false"#), "\(unresolved.stdout) \(unresolved.stderr)")
        try dir.write("trace-failed.json", unresolved.stdout)

        // rtt success to loopback, a failure (a name that cannot resolve), and a lossy result with
        // ICMP error entries, one without a pScheduler name (time exceeded), as the tally builds it.
        let rtt = try await Iperf3Tool.run([Self.agent, "rtt", "127.0.0.1", "-c", "3", "-i", "0.2", "--json"])
        #expect(rtt.status == 0, "\(rtt.stdout) \(rtt.stderr)")
        try dir.write("rtt-ok.json", rtt.stdout)
        let rttUnresolved = try await Iperf3Tool.run([Self.agent, "rtt", "no-such-host.invalid", "-c", "1", "--json"])
        #expect(
            rttUnresolved.status == 2 && rttUnresolved.stdout.contains(#""succeeded":false"#), "\(rttUnresolved.stdout)"
        )
        try dir.write("rtt-failed.json", rttUnresolved.stdout)
        var tally = RTTTally()
        for seq in 1...4 { tally.sent(seq: seq) }
        tally.reply(seq: 2, length: 64, ip: "10.0.0.2", ttl: 63, rtt: .microseconds(420))
        tally.error(seq: 1, ip: "10.0.0.1", error: nil)
        tally.error(seq: 3, ip: "fd00::1", error: "host-unreachable")
        let lossy = tally.result().jsonString()
        try dir.write("rtt-errors.json", lossy)

        // Trace with origin ASes (pScheduler's default `as: true`) from a local DNS server in Team
        // Cymru's format; loopback is asked about only with --as-any-address.
        let dns = try TXTDNSServer(records: [
            "1.0.0.127.origin.asn.cymru.com": ["64500 | 127.0.0.0/8 | ZZ | test | 2024-01-01"],
            "AS64500.asn.cymru.com": ["64500 | ZZ | test | 2024-01-01 | EXAMPLE-NET, ZZ"],
        ])
        defer { dns.stop() }
        let withAS = try await Iperf3Tool.run([
            Self.agent, "trace", "127.0.0.1", "--max-hops", "3", "--queries", "1", "--timeout", "1", "--no-hostnames",
            "--as-server", "127.0.0.1:\(dns.port)", "--as-any-address", "--json",
        ])
        #expect(withAS.status == 0, "\(withAS.stdout) \(withAS.stderr)")
        let hop = try #require(try TraceResult.decode(json: withAS.stdout).paths.first?.last)
        #expect(hop.asNumber == ASNumber(number: 64500, owner: "EXAMPLE-NET, ZZ"), "\(withAS.stdout)")
        try dir.write("trace-as.json", withAS.stdout)

        let validated = try await Shell.run(python + [dir.file("validate.py"), dir.path])
        let lines = validated.stdout.split(separator: "\n")
        #expect(validated.status == 0 && lines.count == 10, "\(validated.stdout) \(validated.stderr)")
        #expect(lines.allSatisfy { $0.hasPrefix("OK ") }, "\(validated.stdout)")

        // The schemas bite: a result with an unknown key, or a failure without its summary, is refused.
        try dir.write(
            "throughput-unknown-key.json", tcp.stdout.replacing(#""succeeded":"#, with: #""bogus":1,"succeeded":"#))
        try dir.write("throughput-no-summary.json", refused.stdout.replacing(#","summary":{}"#, with: ""))
        // … and so is an rtt loss written as a percentage, or a null ICMP error (what pScheduler's
        // own parser produces for "Time to live exceeded").
        try dir.write("rtt-loss-percent.json", lossy.replacing(#""loss":0.75"#, with: #""loss":75.0"#))
        try dir.write(
            "rtt-null-error.json",
            lossy.replacing(#""ip":"10.0.0.1","seq":1"#, with: #""error":null,"ip":"10.0.0.1","seq":1"#))
        try dir.write("trace-as-unknown-key.json", withAS.stdout.replacing(#""number":"#, with: #""asn":1,"number":"#))
        let refusals = try await Shell.run(python + [dir.file("validate.py"), dir.path]).stdout
        #expect(
            refusals.contains("INVALID throughput-unknown-key.json")
                && refusals.contains("INVALID throughput-no-summary.json"), "\(refusals)")
        #expect(
            refusals.contains("INVALID rtt-loss-percent.json") && refusals.contains("INVALID rtt-null-error.json"),
            "\(refusals)")
        #expect(refusals.contains("INVALID trace-as-unknown-key.json"), "\(refusals)")
    }
}
