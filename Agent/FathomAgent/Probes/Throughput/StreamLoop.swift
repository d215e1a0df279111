/// One data stream's send or receive loop as a `TransferGroup` runs it: `StreamTransfer` for
/// TCP, `UDPStreamTransfer` for UDP.
///
/// `run` blocks on its own thread until the stream ends; `unblock` is how the group makes it
/// end now, after setting the stop flag the loop was made with.
///
/// ```swift
/// let loop: some StreamLoop = UDPStreamTransfer(socket: s, streamID: 1, sending: false, …)
/// let tally = loop.run()          // on the stream's own thread
/// flag.stop(); loop.unblock()     // from the control thread: end it now
/// ```
public protocol StreamLoop: Sendable {
    associatedtype Tally: Sendable
    /// Moves data until the loop's deadlines or its stop flag end it; what it counted.
    func run() -> Tally
    /// Makes a `run` blocked in the kernel return at once; called after the stop flag is set.
    func unblock()
}

extension StreamTransfer: StreamLoop {
    /// Shutdown makes a blocked `send`/`recv` return at once; the real iperf3 server closes its
    /// data sockets on TEST_END the same way.
    public func unblock() { socket.shutdownBoth() }
}

extension UDPStreamTransfer: StreamLoop {
    /// Nothing to do: a UDP loop notices the stop flag within `wakeInterval` by itself, and a
    /// stopped receiver must still read what is already queued.
    public func unblock() {}
}
