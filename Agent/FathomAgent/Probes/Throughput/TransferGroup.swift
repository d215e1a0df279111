/// The data streams of one test, each running its `StreamTransfer` on a thread of its own;
/// joined exactly once, however the test ends.
///
/// Owning start, stop and join in one place keeps the rule that a thread never outlives its
/// socket: callers `defer { group.stopAndJoin() }` before the sockets' own close runs.
///
/// ```swift
/// let group = try TransferGroup(sockets: streams) { index, socket, stop in StreamTransfer(…, stop: stop) }
/// defer { _ = group.stopAndJoin() }
/// let tallies = group.join()
/// ```
public final class TransferGroup {
    public let stop = StreamTransfer.StopFlag()
    private let sockets: [TCPSocket]
    private var running: [(thread: JoinableThread, result: ThreadResult<StreamTransfer.Tally>)] = []
    private var tallies: [StreamTransfer.Tally]?

    /// Starts one transfer per socket; if a thread cannot be started, the ones already running
    /// are stopped and joined before the error is thrown.
    public init(
        sockets: [TCPSocket], make: (Int, TCPSocket, StreamTransfer.StopFlag) -> StreamTransfer
    ) throws(ThroughputError) {
        self.sockets = sockets
        for (index, socket) in sockets.enumerated() {
            let transfer = make(index, socket, stop)
            let result = ThreadResult<StreamTransfer.Tally>()
            do { running.append((try JoinableThread { result.value = transfer.run() }, result)) } catch {
                _ = stopAndJoin()
                throw error
            }
        }
    }

    /// Waits for every transfer to end by itself (sender deadline, EOF, hard stop).
    @discardableResult
    public func join() -> [StreamTransfer.Tally] {
        if let tallies { return tallies }
        running.forEach { $0.thread.join() }
        let done = running.compactMap { $0.result.value }
        tallies = done
        return done
    }

    /// Tells every transfer to stop and unblocks them (shutdown makes `send`/`recv` return at
    /// once), then joins. The real iperf3 server closes its data sockets on TEST_END the same way.
    @discardableResult
    public func stopAndJoin() -> [StreamTransfer.Tally] {
        if let tallies { return tallies }
        stop.stop()
        sockets.forEach { $0.shutdownBoth() }
        return join()
    }
}
