/// The UDP data streams of one test, each running its `UDPStreamTransfer` on a thread of its own;
/// joined exactly once, however the test ends (the UDP counterpart of `TransferGroup`).
///
/// UDP transfers notice the stop flag within `UDPStreamTransfer.wakeInterval` by themselves, so
/// stopping needs no socket shutdown; a stopped receiver still reads what is already queued.
///
/// ```swift
/// let group = try UDPTransferGroup(sockets: streams) { index, socket, stop in UDPStreamTransfer(…, stop: stop, …) }
/// defer { group.stopAndJoin() }
/// let tallies = group.join()
/// ```
public final class UDPTransferGroup {
    public let stop = StreamTransfer.StopFlag()
    private var running: [(thread: JoinableThread, result: ThreadResult<UDPStreamTally>)] = []
    private var tallies: [UDPStreamTally]?

    /// Starts one transfer per socket; if a thread cannot be started, the ones already running are
    /// stopped and joined before the error is thrown.
    public init(sockets: [UDPSocket], make: (Int, UDPSocket, StreamTransfer.StopFlag) -> UDPStreamTransfer) throws(ThroughputError) {
        for (index, socket) in sockets.enumerated() {
            let transfer = make(index, socket, stop)
            let result = ThreadResult<UDPStreamTally>()
            do { running.append((try JoinableThread { result.value = transfer.run() }, result)) } catch {
                stopAndJoin()
                throw error
            }
        }
    }

    /// Waits for every transfer to end by itself (sender deadline, hard stop).
    @discardableResult
    public func join() -> [UDPStreamTally] {
        if let tallies { return tallies }
        running.forEach { $0.thread.join() }
        let done = running.compactMap { $0.result.value }
        tallies = done
        return done
    }

    /// Tells every transfer to stop, then joins.
    @discardableResult
    public func stopAndJoin() -> [UDPStreamTally] {
        if let tallies { return tallies }
        stop.stop()
        return join()
    }
}
