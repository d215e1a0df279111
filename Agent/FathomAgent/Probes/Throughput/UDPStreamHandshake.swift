/// How an iperf3 UDP data stream is "connected" (`iperf_udp_connect` / `iperf_udp_accept`).
///
/// UDP has no accept, so after CREATE_STREAMS the client sends one 4-byte datagram to the server's
/// port; the server learns the client's address from it, connects its socket there, opens a fresh
/// listening socket on the same port for the next stream, and answers with 4 bytes. iperf3 writes
/// both as host-order ints, `UDP_CONNECT_MSG` 0x36373839 and `UDP_CONNECT_REPLY` 0x39383736,
/// which on every little-endian machine are the bytes "9876" and "6789"; servers before 3.1 replied
/// 987654321. Both replies are accepted in either byte order.
///
/// ```swift
/// let stream = try UDPStreamHandshake.connect(to: address, timeout: .seconds(10), datagramSize: 1460, reverse: false)
/// defer { stream.close() }
/// ```
public enum UDPStreamHandshake {
    /// What the client sends (`UDP_CONNECT_MSG` as a little-endian iperf3 writes it).
    public static let connectMessage: [UInt8] = Array("9876".utf8)
    /// What the server answers (`UDP_CONNECT_REPLY` as a little-endian iperf3 writes it).
    public static let connectReply: [UInt8] = Array("6789".utf8)
    /// 987654321 little-endian: the reply of iperf3 servers before 3.1 (`LEGACY_UDP_CONNECT_REPLY`).
    public static let legacyConnectReply: [UInt8] = [0xb1, 0x68, 0xde, 0x3a]
    /// In reverse mode a few data datagrams may overtake the reply (iperf3 allows
    /// `MAX_REVERSE_OUT_OF_ORDER_PACKETS` = 2 blocks); we allow a few more.
    public static let reverseStraysAllowed = 8

    /// Whether `datagram` is a connect reply from any iperf3 server, whatever its byte order.
    public static func isReply(_ datagram: [UInt8]) -> Bool {
        datagram.count == 4
            && [connectReply, legacyConnectReply].contains { $0 == datagram || $0.reversed() == datagram }
    }

    /// The client side: a connected UDP socket whose server has answered, or an error that says
    /// what went wrong (no answer in time, or an answer that is not iperf3's).
    public static func connect(
        to address: IPSocketAddress, timeout: Duration, datagramSize: Int, reverse: Bool, local: IPSocketAddress? = nil,
        options: StreamSocketOptions? = nil
    ) throws(ThroughputError) -> UDPSocket {
        let socket = try UDPSocket.connect(to: address, local: local, options: options)
        do throws(ThroughputError) {
            socket.ensureBuffers(forDatagramsOf: datagramSize)
            try socket.send(connectMessage, what: "UDP connect datagram")
            let deadline = ContinuousClock.now + timeout
            var strays = 0
            while true {
                guard let datagram = try socket.receive(maxLength: max(datagramSize, 4), deadline: deadline) else {
                    throw .timeout("the server's reply to the UDP connect datagram")
                }
                if isReply(datagram) { return socket }
                // Data of an already running reverse stream may arrive first; anything else is not iperf3.
                strays += 1
                if !reverse || strays > reverseStraysAllowed {
                    throw .protocolViolation(
                        "UDP connect reply is \(datagram.prefix(16).map { String($0, radix: 16) }.joined(separator: " ")) (\(datagram.count) bytes), not \"6789\""
                    )
                }
            }
        } catch {
            socket.close()
            throw error
        }
    }
}
