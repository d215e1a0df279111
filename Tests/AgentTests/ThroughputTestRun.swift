import FathomAgent
import FathomTestSupport
import Foundation
import Glibc
import Testing

/// How the throughput loopback suites run their bodies and their failing clients.
///
/// Bodies run on threads of their own (`offPool`, over ``OwnThread``): the sockets block for seconds, and holding a
/// cooperative thread, or one of the few dispatch workers, that long starves the timing-sensitive
/// async tests running beside these suites (the watchdog pinger's 50 ms ticks).
///
/// ```swift
/// try await ThroughputTestRun.offPool {
///     let error = ThroughputTestRun.clientFailure(parameters, within: .seconds(2))
///     #expect(error == .timeout("PARAM_EXCHANGE"))
/// }
/// ```
enum ThroughputTestRun {
    static func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await OwnThread.run {
            // Lowest CPU priority, inherited by the stream threads: loopback transfers fill
            // every core, and the assertions are about byte counts, not speed.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            try body()
        }
    }

    /// Runs our client against a peer that must make it fail, and fail about when `limit` says
    /// (no hang); the error, for the caller to check, or nil (recorded as an issue) if it succeeded.
    /// The bound is functional: five times `limit`, so a loaded machine does not fail it, while a
    /// client that waits for a default timeout (tens of seconds) or for ever still does.
    static func clientFailure(
        _ parameters: ThroughputParameters, within limit: Duration, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ThroughputError? {
        let start = ContinuousClock.now
        defer {
            #expect(
                start.duration(to: .now) < limit * 5, "the client took too long to fail", sourceLocation: sourceLocation
            )
        }
        do {
            let report = try ThroughputClient(parameters: parameters).run()
            Issue.record(
                "the client succeeded against a peer that should make it fail: \(report.summary)",
                sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }
}
