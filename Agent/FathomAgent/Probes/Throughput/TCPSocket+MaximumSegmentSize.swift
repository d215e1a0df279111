import Glibc

extension TCPSocket {
    /// The connection's MSS (`TCP_MAXSEG`); nil where the kernel does not say. iperf3 sizes UDP
    /// datagrams by the control connection's MSS when `-l` is not given.
    ///
    /// ```swift
    /// let datagramSize = control.maximumSegmentSize ?? IperfParameters.defaultUDPBlockSize
    /// ```
    public var maximumSegmentSize: Int? {
        var mss: Int32 = 0
        var length = socklen_t(4)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_MAXSEG, &mss, &length) == 0, mss > 0 else { return nil }
        return Int(mss)
    }
}
