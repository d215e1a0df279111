import Glibc

/// The responder's UDP "listener": an unconnected UDP socket on the same port number as the TCP
/// listener (as `iperf3 -s` binds it), on all addresses (IPv6 dual-stack, IPv4 where IPv6 is off).
///
/// `accept` plays iperf3's `iperf_udp_accept`: the first 4-byte datagram names a client stream,
/// the socket is connected to that client and becomes the stream, a fresh socket takes over the
/// port for the next stream, and the client is sent the connect reply. Both sockets carry
/// `SO_REUSEADDR`, which is what lets them share the port; the kernel hands each datagram to the
/// socket connected to its sender before the unconnected one.
///
/// ```swift
/// let udp = try UDPListener(port: listener.port)
/// defer { udp.close() }
/// if let stream = try udp.accept(deadline: .now + .seconds(10)) { … }
/// ```
public final class UDPListener {
    /// The socket waiting for the next connect datagram.
    public private(set) var fd: Int32
    public let port: UInt16
    private let family: Int32

    public init(port: UInt16) throws(ThroughputError) {
        (fd, family) = try WildcardBind.dualStack { family throws(ThroughputError) in
            (try Self.bind(family: family, port: port), family)
        }
        self.port = port
    }

    private static func bind(family: Int32, port: UInt16) throws(ThroughputError) -> Int32 {
        try WildcardBind.bind(type: SOCK_DGRAM, family: family, port: port, failure: "bind UDP port \(port)")
    }

    /// The next client stream, connected and answered, or nil when no connect datagram came
    /// before `deadline`. Datagrams that are not 4 bytes long (every iperf3 sends 4) are dropped.
    public func accept(deadline: ContinuousClock.Instant, datagramSize: Int) throws(ThroughputError) -> UDPSocket? {
        while true {
            guard try SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: deadline, failure: ThroughputError.poll)
            else {
                return nil
            }
            var message = [UInt8](repeating: 0, count: 64)
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = message.withUnsafeMutableBytes { buffer in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, &peerLength)
                    }
                }
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED { continue }
                throw .socket(call: "recvfrom (UDP connect datagram)", errno: errno)
            }
            if n != 4 { continue }
            let connected = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, peerLength) }
            }
            guard connected == 0 else { throw .socket(call: "UDP connect to the client stream", errno: errno) }
            let stream = UDPSocket(fd: fd)
            // The connected socket is the stream now; a fresh one takes the port for the next.
            do { fd = try Self.bind(family: family, port: port) } catch {
                fd = -1
                stream.close()
                throw error
            }
            stream.ensureBuffers(forDatagramsOf: datagramSize)
            do { try stream.send(UDPStreamHandshake.connectReply, what: "UDP connect reply") } catch {
                stream.close()
                throw error
            }
            return stream
        }
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
