import Dispatch
import FathomShared
import Glibc

/// Runs one test and returns its record; a run that cannot even start still returns a record,
/// with `succeeded: false` and the reason, so it is archived as `failures` rather than lost.
/// A throughput test whose peer was busy says so (``MeasurementAttempt/peerBusy(_:)``), so the
/// scheduler can try again within the slip.
public protocol MeasurementRunning: Sendable {
    /// One try; `cookie` is the iperf3 session cookie a throughput client uses (the scheduler
    /// names it to the ``ExclusiveLane`` so this host's responder serves a test to itself).
    func attempt(_ test: MeasurementTest, start: Int64, cookie: [UInt8]) async -> MeasurementAttempt
}

extension MeasurementRunning {
    /// One try with a fresh cookie, its record whatever came of it.
    public func run(_ test: MeasurementTest, start: Int64) async -> MeasurementRecord {
        await attempt(test, start: start, cookie: IperfCookie.make()).record
    }
}

/// The real runner: the native trace, the iperf3-compatible client and the ICMP echo rtt test, each on a thread of its
/// own (they block in socket calls), never on the cooperative pool.
///
/// ```swift
/// let record = await ProbeMeasurementRunner().run(test, start: Int64(clock.now()))
/// ```
public struct ProbeMeasurementRunner: MeasurementRunning {
    public init() {}

    public func attempt(_ test: MeasurementTest, start: Int64, cookie: [UInt8]) async -> MeasurementAttempt {
        await BlockingWork.run { Self.runBlocking(test, start: start, cookie: cookie) }
    }

    static func runBlocking(_ test: MeasurementTest, start: Int64, cookie: [UInt8]) -> MeasurementAttempt {
        let outcome: MeasurementOutcome
        var peerBusy = false
        // The destination as resolved once: recorded, and the source address is found toward it.
        var destination: IPSocketAddress?
        switch test.spec {
        case .trace(let parameters):
            let report = TraceRun(parameters: parameters).run()
            // A numeric address: no second DNS lookup.
            destination = report.address.flatMap { try? IPSocketAddress.resolve($0) }
            outcome = .trace(parameters, report.result)
        case .throughput(let parameters):
            // In the family the test forces (ip-version), as the client would resolve it.
            destination = try? IPSocketAddress.resolve(parameters.dest, family: parameters.ipVersion)
            var resolved = parameters
            // The client connects to the address found above rather than looking the name up again;
            // an unresolvable name is left for the client to report.
            if let destination { resolved.dest = destination.host }
            let result: ThroughputResult
            do { result = try ThroughputClient(parameters: resolved, cookie: cookie).run().result } catch {
                peerBusy = error == .serverBusy
                result = .failure(error.description)
            }
            outcome = .throughput(parameters, result)
        case .rtt(let parameters):
            destination = try? IPSocketAddress.resolve(parameters.dest, family: parameters.ipVersion)
            var resolved = parameters
            if let destination { resolved.dest = destination.host }
            outcome = .rtt(parameters, RTTRun(parameters: resolved).run())
        }
        // A test bound to a local address (local-address) was sourced there, whatever the route says.
        var bound: String?
        if case .throughput(let parameters) = test.spec, let local = parameters.localAddress, let destination {
            bound = (try? IPSocketAddress.resolve(local, family: destination.family == AF_INET6 ? 6 : 4))?.host
        }
        let record = MeasurementRecord(
            runID: RandomHexID.make(), testName: test.name,
            sourceAddress: bound ?? destination.flatMap(SourceAddress.toward),
            destAddress: destination?.host, start: start, outcome: outcome)
        return peerBusy ? .peerBusy(record) : .finished(record)
    }
}
