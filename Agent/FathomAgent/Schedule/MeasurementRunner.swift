import Dispatch
import FathomShared
import FoundationEssentials

/// Runs one test and returns its record; a run that cannot even start still returns a record,
/// with `succeeded: false` and the reason, so it is archived as `failures` rather than lost.
public protocol MeasurementRunning: Sendable {
    func run(_ test: MeasurementTest, start: Int64) async -> MeasurementRecord
}

/// The real runner: the native trace and the iperf3-compatible client, each on a thread of its
/// own (they block in socket calls), never on the cooperative pool.
///
/// ```swift
/// let record = await ProbeMeasurementRunner().run(test, start: Int64(clock.now()))
/// ```
public struct ProbeMeasurementRunner: MeasurementRunning {
    public init() {}

    public func run(_ test: MeasurementTest, start: Int64) async -> MeasurementRecord {
        await BlockingWork.run { Self.runBlocking(test, start: start) }
    }

    static func runBlocking(_ test: MeasurementTest, start: Int64) -> MeasurementRecord {
        let resultText: String
        let tool: String
        var spec: [String: JSONValue] = ["dest": .string(test.spec.dest)]
        // The destination as resolved once: recorded, and the source address is found toward it.
        var destination: SocketAddress?
        switch test.spec {
        case .trace(let parameters):
            // The UDP trace is tracepath's method, ICMP echo is traceroute -I's.
            tool = parameters.probeType == .icmp ? "traceroute" : "tracepath"
            spec["first-ttl"] = .integer(Int64(parameters.firstTTL))
            spec["hops"] = .integer(Int64(parameters.hops))
            spec["queries"] = .integer(Int64(parameters.queries))
            spec["wait"] = .string(ISODuration.string(parameters.wait))
            spec["probe-type"] = .string(parameters.probeType.rawValue)
            if let version = parameters.ipVersion { spec["ip-version"] = .integer(Int64(version)) }
            let report = TraceRun(parameters: parameters).run()
            // A numeric address: no second DNS lookup.
            destination = report.address.flatMap { try? SocketAddress.resolve($0) }
            resultText = (try? report.result.jsonString()) ?? #"{"succeeded":false,"error":"trace result could not be encoded"}"#
        case .throughput(let parameters):
            tool = "iperf3"
            spec["duration"] = .string("PT\(parameters.duration)S")
            spec["parallel"] = .integer(Int64(parameters.parallel))
            spec["reverse"] = .bool(parameters.reverse)
            spec["udp"] = .bool(parameters.udp)
            spec["single-ended-port"] = .integer(Int64(parameters.port))
            if let bandwidth = parameters.bandwidth { spec["bandwidth"] = .integer(Int64(bandwidth)) }
            destination = try? SocketAddress.resolve(parameters.dest)
            var resolved = parameters
            // The client connects to the address found above rather than looking the name up again;
            // an unresolvable name is left for the client to report.
            if let destination { resolved.dest = destination.host }
            let result: ThroughputResult
            do { result = try ThroughputClient(parameters: resolved).run().result } catch {
                result = .failure(error.description)
            }
            resultText = (try? result.jsonString()) ?? #"{"succeeded":false,"error":"throughput result could not be encoded"}"#
        }
        let sourceAddress = destination.flatMap(SourceAddress.toward)
        let result = (try? JSONText.parse(Array(resultText.utf8))) ?? .object(["succeeded": .bool(false), "error": .string("unreadable result")])
        return MeasurementRecord(
            runID: RandomHexID.make(), testName: test.name, testType: test.spec.testType, tool: tool, sourceAddress: sourceAddress,
            dest: test.spec.dest, destAddress: destination?.host, start: start, durationSeconds: Double(test.spec.expectedDurationSeconds),
            spec: spec, result: result)
    }
}
