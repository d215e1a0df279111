import FathomShared
import Synchronization

/// The agent's own counters for the node_exporter textfile collector: deliveries, failovers, the last sample's
/// duration and network-test runs by result. The spool's backlog and drops are read from the spool
/// when the file is written, so they are never stale.
///
/// ```swift
/// let metrics = AgentMetrics()
/// metrics.delivered(at: 1_764_000_000)
/// metrics.sampled(durationSeconds: 0.012)
/// ```
public final class AgentMetrics: Sendable {
    /// A copy of the counters at one moment.
    public struct Snapshot: Sendable, Equatable {
        public var deliveredBatches = 0
        /// Unix seconds of the last acknowledged upload; nil before the first.
        public var lastDeliveryAt: Double?
        public var lastSampleDurationSeconds: Double?
        public var samples = 0
        /// Uploads that another receiver (or archive) of the list took after the current one was unavailable.
        public var failovers = 0
        /// Network-test runs by result (`succeeded`, `failed`).
        public var testRuns: [String: Int] = [:]
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func delivered(at time: Double) {
        state.withLock {
            $0.deliveredBatches += 1
            $0.lastDeliveryAt = time
        }
    }

    public func failedOver() {
        state.withLock { $0.failovers += 1 }
    }

    public func sampled(durationSeconds: Double) {
        state.withLock {
            $0.samples += 1
            $0.lastSampleDurationSeconds = durationSeconds
        }
    }

    public func testRun(succeeded: Bool) {
        state.withLock { $0.testRuns[succeeded ? "succeeded" : "failed", default: 0] += 1 }
    }
}
