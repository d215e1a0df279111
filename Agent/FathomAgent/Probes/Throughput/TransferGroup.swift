/// The data streams of one test, each running its `StreamLoop` (`StreamTransfer` for TCP,
/// `UDPStreamTransfer` for UDP) on a thread of its own; joined exactly once, however the test ends.
///
/// Owning start, stop and join in one place keeps the rule that a thread never outlives its
/// socket: callers `defer { group.stopAndJoin() }` before the sockets' own close runs.
///
/// ```swift
/// let group = try TransferGroup(sockets: streams) { index, socket, stop in StreamTransfer(…, stop: stop) }
/// defer { _ = group.stopAndJoin() }
/// let tallies = group.join()
/// ```
public final class TransferGroup<Transfer: StreamLoop> {
    public let stop = StreamTransfer.StopFlag()
    private var transfers: [Transfer] = []
    private var running: [(thread: JoinableThread, result: ThreadResult<Transfer.Tally>)] = []
    private var tallies: [Transfer.Tally]?

    /// Starts one transfer per socket; if a thread cannot be started, the ones already running
    /// are stopped and joined before the error is thrown.
    public init<Socket>(sockets: [Socket], make: (Int, Socket, StreamTransfer.StopFlag) -> Transfer)
        throws(ThroughputError)
    {
        for (index, socket) in sockets.enumerated() {
            let transfer = make(index, socket, stop)
            transfers.append(transfer)
            let result = ThreadResult<Transfer.Tally>()
            do { running.append((try JoinableThread { result.value = transfer.run() }, result)) } catch {
                stopAndJoin()
                throw error
            }
        }
    }

    /// Waits for every transfer to end by itself (sender deadline, EOF, hard stop).
    @discardableResult
    public func join() -> [Transfer.Tally] {
        if let tallies { return tallies }
        for transfer in running { transfer.thread.join() }
        let done = running.compactMap { $0.result.value }
        tallies = done
        return done
    }

    /// Tells every transfer to stop and unblocks them (`StreamLoop.unblock`), then joins.
    @discardableResult
    public func stopAndJoin() -> [Transfer.Tally] {
        if let tallies { return tallies }
        stop.stop()
        for transfer in transfers { transfer.unblock() }
        return join()
    }
}
