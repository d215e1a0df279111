import Dispatch
import FathomShared
import Logging
import Synchronization

/// The daemon's iperf3-compatible server (`[responder] enabled = true`): a thread that accepts
/// control connections and serves one test at a time, sharing the host's ``ExclusiveLane`` with
/// the scheduler, so a peer's test and one of ours never overlap. While the lane is taken the
/// peer gets ACCESS_DENIED, which iperf3 clients report as "the server is busy running a test".
///
/// ```swift
/// let responder = try ResponderService(port: 5201, lane: lane, logger: logger)
/// responder.start()
/// defer { responder.stop() }
/// ```
public final class ResponderService: Sendable {
    public let responder: ThroughputResponder
    public let lane: ExclusiveLane
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(port: UInt16, lane: ExclusiveLane, logger: Logger) throws(ThroughputError) {
        responder = try ThroughputResponder(port: port)
        self.lane = lane
        self.logger = logger
    }

    public var port: UInt16 { responder.listener.port }

    /// Starts serving on a thread of its own (once; later calls do nothing).
    public func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        logger.info("responder listening", metadata: ["port": "\(port)"])
        let running = BlockingWork.startDetached { [self] in
            serve()
            finished.signal()
        }
        if !running {
            logger.error("responder cannot start a thread; not serving")
            finished.signal()
        }
    }

    /// Stops accepting (within a second) and waits for a running test to end; the listener is
    /// closed by then.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        if started.load(ordering: .relaxed) { finished.wait() } else { responder.listener.close() }
    }

    private func serve() {
        do {
            try responder.serve(
                once: false, lane: lane, stopping: { stopping.load(ordering: .relaxed) },
                handle: { outcome in
                    switch outcome {
                    case .success(let report):
                        logger.info(
                            "responder served a test",
                            metadata: [
                                "bits_per_second": "\(Int(report.receiverBitsPerSecond))",
                                "seconds": "\(report.seconds)",
                            ])
                    case .failure(let error):
                        logger.warning("responder test failed", metadata: ["error": "\(error)"])
                    }
                })
        } catch {
            logger.error("responder cannot accept", metadata: ["error": "\(error)"])
        }
    }
}
