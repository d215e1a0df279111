import FathomShared

/// One finished (or failed) test run as the agent spools it: what was asked, where, when, and
/// the pScheduler-shaped result. The sender turns it into esmond metadata and data
/// (``EsmondRecordMapping``); the spool stores it as compact JSON under kind
/// ``MeasurementRecord/spoolKind``.
///
/// ```swift
/// let record = MeasurementRecord(runID: id, testName: "trace-ps2", testType: "trace", tool: "tracepath",
///     sourceAddress: "10.0.0.1", dest: "ps2", destAddress: "10.0.0.2", start: 1_795_410_000,
///     durationSeconds: 1.5, spec: ["hops": .integer(30)], result: resultJSON)
/// let bytes = record.jsonBytes
/// let again = try MeasurementRecord(jsonBytes: bytes)
/// ```
public struct MeasurementRecord: Sendable, Equatable {
    /// The spool batch kind of measurement records.
    public static let spoolKind = "measurement"

    /// 32 lowercase hex digits, unique per run.
    public var runID: String
    /// The test's name in the agent config.
    public var testName: String
    /// pScheduler test type: `trace` or `throughput`.
    public var testType: String
    /// The tool whose behaviour the run reproduces (`tracepath`, `iperf3`); esmond's `tool-name`
    /// becomes `pscheduler/<tool>`.
    public var tool: String
    /// This host's address toward the destination; nil when the destination never resolved.
    public var sourceAddress: String?
    /// The destination as configured (a name or an address).
    public var dest: String
    /// The address the destination resolved to; nil when it did not.
    public var destAddress: String?
    /// When the run started, seconds since the epoch.
    public var start: Int64
    /// The time the test reserves (its scheduled duration, not the measured one), so every run of a
    /// test maps to the same esmond metadata (`time-duration` is part of its checksum).
    public var durationSeconds: Double
    /// The test's parameters under pScheduler's spec names (`hops`, `queries`, `parallel`, ...).
    public var spec: [String: JSONValue]
    /// The pScheduler-shaped result (`succeeded`, `error`, `paths` / `intervals`, `summary`).
    public var result: JSONValue

    public init(
        runID: String, testName: String, testType: String, tool: String, sourceAddress: String?, dest: String,
        destAddress: String?, start: Int64, durationSeconds: Double, spec: [String: JSONValue], result: JSONValue
    ) {
        self.runID = runID
        self.testName = testName
        self.testType = testType
        self.tool = tool
        self.sourceAddress = sourceAddress
        self.dest = dest
        self.destAddress = destAddress
        self.start = start
        self.durationSeconds = durationSeconds
        self.spec = spec
        self.result = result
    }

    /// Whether the test ran; a failed run is archived as esmond `failures`.
    public var succeeded: Bool { result["succeeded"] == .bool(true) }

    /// The reason a failed run gives, or pScheduler's fallback text.
    public var failureMessage: String {
        if case .string(let text)? = result["error"], !text.isEmpty { return text }
        return "The test failed for an unspecified reason. See the logs of the testing host."
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "run-id": .string(runID), "test-name": .string(testName), "test-type": .string(testType),
            "tool": .string(tool), "dest": .string(dest), "start": .integer(start),
            "duration": .number(durationSeconds), "spec": .object(spec), "result": result,
        ]
        if let sourceAddress { members["source-address"] = .string(sourceAddress) }
        if let destAddress { members["dest-address"] = .string(destAddress) }
        return .object(members)
    }

    public var jsonBytes: [UInt8] { JSONText.bytes(json) }

    /// Reads what ``jsonBytes`` wrote; a spool file from elsewhere fails with a message naming the key.
    public init(jsonBytes: [UInt8]) throws(ConfigError) {
        let value: JSONValue
        do { value = try JSONText.parse(jsonBytes) } catch { throw ConfigError("measurement record is not JSON: \(error)") }
        func text(_ key: String) throws(ConfigError) -> String {
            guard case .string(let s)? = value[key] else { throw ConfigError("measurement record lacks string '\(key)'") }
            return s
        }
        func optionalText(_ key: String) -> String? {
            if case .string(let s)? = value[key] { return s }
            return nil
        }
        guard let start = value["start"]?.integerValue else { throw ConfigError("measurement record lacks integer 'start'") }
        guard let duration = value["duration"]?.doubleValue else { throw ConfigError("measurement record lacks number 'duration'") }
        guard case .object(let spec)? = value["spec"] else { throw ConfigError("measurement record lacks object 'spec'") }
        guard let result = value["result"], case .object = result else { throw ConfigError("measurement record lacks object 'result'") }
        self.init(
            runID: try text("run-id"), testName: try text("test-name"), testType: try text("test-type"), tool: try text("tool"),
            sourceAddress: optionalText("source-address"), dest: try text("dest"), destAddress: optionalText("dest-address"),
            start: start, durationSeconds: duration, spec: spec, result: result)
    }
}
