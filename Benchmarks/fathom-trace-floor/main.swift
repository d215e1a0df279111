// The least a Swift program pays to trace a path, for `fathom-bench network` (c) to time beside
// `fathom-agent trace` and tracepath: `fathom-trace-floor IPV4` sends one UDP probe per TTL on
// one socket, as tracepath does, reads each answer from the socket's error queue and prints
// ` TTL  ADDRESS` lines until the destination answers. Nothing else: no command-line parser, no
// timeouts beyond one second a hop, no report, no concurrency runtime (a synchronous main). Built
// and linked as the agent is, so its time is the floor of any Swift `trace` on this machine.
#if canImport(Glibc)
    import Glibc
#endif

@main
enum TraceFloor {
    static func main() {
        guard CommandLine.argc == 2, let text = CommandLine.unsafeArgv[1] else {
            fail("usage: fathom-trace-floor IPV4")
        }
        var destination = sockaddr_in()
        destination.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, text, &destination.sin_addr) == 1 else { fail("not an IPv4 address") }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard socket >= 0, setOption(socket, IP_RECVERR, 1) else { fail("socket: errno \(errno)") }

        var output = ""
        for ttl in Int32(1)...30 {
            guard setOption(socket, IP_TTL, ttl) else { fail("IP_TTL: errno \(errno)") }
            destination.sin_port = UInt16(33434 + ttl).bigEndian
            guard send(socket, to: destination) else { fail("sendto: errno \(errno)") }
            guard let (hop, reached) = answer(socket) else {
                output += " \(ttl)  *\n"
                continue
            }
            output += " \(ttl)  \(hop)\n"
            if reached { break }
        }
        _ = output.withCString { write(1, $0, strlen($0)) }
    }

    private static func setOption(_ socket: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(socket, Int32(SOL_IP), name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// One tracepath-sized probe (1472 bytes of payload, a 1500-byte packet).
    private static func send(_ socket: Int32, to destination: sockaddr_in) -> Bool {
        let payload = [UInt8](repeating: 0x40, count: 1472)
        var destination = destination
        let sent = withUnsafePointer(to: &destination) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                payload.withUnsafeBytes { bytes in
                    sendto(
                        socket, bytes.baseAddress, bytes.count, 0, address, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent == payload.count
    }

    /// The address that answered the probe, and whether it was the destination (ICMP port
    /// unreachable); nil when nothing answered within a second.
    private static func answer(_ socket: Int32) -> (String, Bool)? {
        var ready = pollfd(fd: socket, events: Int16(POLLERR), revents: 0)
        guard poll(&ready, 1, 1000) == 1 else { return nil }
        var control = [UInt8](repeating: 0, count: 256)
        var payload = [UInt8](repeating: 0, count: 64)
        var peer = sockaddr_in()
        let received = payload.withUnsafeMutableBytes { payload in
            control.withUnsafeMutableBytes { control in
                withUnsafeMutablePointer(to: &peer) { peer in
                    var vector = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                    return withUnsafeMutablePointer(to: &vector) { vector in
                        var message = msghdr(
                            msg_name: UnsafeMutableRawPointer(peer),
                            msg_namelen: socklen_t(MemoryLayout<sockaddr_in>.size),
                            msg_iov: vector, msg_iovlen: 1, msg_control: control.baseAddress,
                            msg_controllen: control.count, msg_flags: 0)
                        return recvmsg(socket, &message, Int32(MSG_ERRQUEUE)) >= 0 && message.msg_controllen > 0
                    }
                }
            }
        }
        guard received else { return nil }
        // The first control message is IP_RECVERR's: a 16-byte sock_extended_err (origin at byte
        // 4, ICMP type at byte 5), then the sockaddr_in of the host that sent the ICMP message.
        return control.withUnsafeBytes { control in
            let header = MemoryLayout<cmsghdr>.size
            var from = control.load(fromByteOffset: header + 16, as: sockaddr_in.self)
            let origin = control[header + 4]
            let type = control[header + 5]
            var name = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &from.sin_addr, &name, socklen_t(name.count))
            // SO_EE_ORIGIN_ICMP is 2; ICMP type 3 is destination unreachable.
            return (name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, origin == 2 && type == 3)
        }
    }

    private static func fail(_ message: String) -> Never {
        _ = "fathom-trace-floor: \(message)\n".withCString { write(2, $0, strlen($0)) }
        exit(1)
    }
}
