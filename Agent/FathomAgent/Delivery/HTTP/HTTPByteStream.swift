/// One open connection the HTTP client speaks over: a plain TCP socket (``TCPStreamConnection``)
/// or TLS on top of one (``TLSStreamConnection``). Non-blocking underneath; every wait is bounded by
/// the request's ``HTTPWaitLimits``. Used by one request at a time (the pool hands it out exclusively).
protocol HTTPByteStream: AnyObject, Sendable {
    /// `host:port`, for messages.
    var endpoint: String { get }
    /// Reads at least one byte into `buffer`; 0 means the peer closed the connection.
    func read(into buffer: UnsafeMutableRawBufferPointer, limits: HTTPWaitLimits) throws(AgentHTTPError) -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], limits: HTTPWaitLimits) throws(AgentHTTPError)
    /// True while the idle connection can carry another request: the peer has neither closed it nor
    /// sent anything unasked.
    var isReusable: Bool { get }
    /// Closes the socket. Nothing is written (no TLS close_notify): the peer may be gone already.
    func close()
}
