import Glibc

/// One ICMP echo socket for an rtt test: an unprivileged ICMP datagram socket where
/// `net.ipv4.ping_group_range` admits one of our groups, else a raw socket (`CAP_NET_RAW`),
/// as iputils ping chooses (pscheduler-rtt-and-as.md §4).
///
/// Datagram sockets: the kernel sets the identifier (the socket's port) and checksum, delivers
/// only our replies, and queues ICMP errors about our requests (`IP_RECVERR`), read with
/// `MSG_ERRQUEUE`; the TTL comes as ancillary data. Raw sockets: our random identifier,
/// a type filter, and every ICMP packet of the host, matched by identifier and sequence.
/// Not thread-safe; `receive` does not block.
///
/// ```swift
/// let socket = try PingSocket.open(family: AF_INET, ttl: nil)
/// defer { socket.close() }
/// try socket.send(to: dest, sequence: 1, payloadLength: 56)
/// ```
public final class PingSocket {
    /// How the socket was opened.
    public enum Kind: String, Sendable {
        case datagram = "icmp datagram socket"
        case raw = "raw icmp socket"
    }

    public let fd: Int32
    public let family: Int32
    public let kind: Kind
    /// Identifier of our requests; on a datagram socket the kernel replaces it, so it is unused.
    public let identifier: UInt16

    /// A datagram or raw answer with where it came from.
    public struct Received: Sendable {
        public var answer: EchoAnswer
        public var source: String?
        /// TTL from ancillary data, for packets without an IPv4 header.
        public var ttl: Int?
        /// When the kernel received it (`SO_TIMESTAMPNS`, moved onto the monotonic clock), so a
        /// late wake-up of this process is not counted; when it was read where the kernel gave no
        /// stamp.
        public var at: ContinuousClock.Instant
    }

    private static let solIP: Int32 = 0, solIPv6: Int32 = 41, solRaw: Int32 = 255, solICMPv6: Int32 = 58
    private static let ipTTL: Int32 = 2, ipRecvErr: Int32 = 11, ipRecvTTL: Int32 = 12
    private static let ipv6UnicastHops: Int32 = 16, ipv6RecvErr: Int32 = 25, ipv6RecvHopLimit: Int32 = 51
    private static let ipv6HopLimit: Int32 = 52, icmpFilter: Int32 = 1
    private static let msgErrQueue: Int32 = 0x2000
    private static let protocolICMP: Int32 = 1, protocolICMPv6: Int32 = 58

    private init(fd: Int32, family: Int32, kind: Kind, identifier: UInt16) {
        self.fd = fd
        self.family = family
        self.kind = kind
        self.identifier = identifier
    }

    /// Opens a datagram socket, falling back to raw on `EACCES`/`EPERM`/`EAFNOSUPPORT`/
    /// `EPROTONOSUPPORT`; `preferRaw` skips the datagram attempt.
    public static func open(family: Int32, ttl: Int?, preferRaw: Bool = false) throws(RTTError) -> PingSocket {
        let v6 = family == AF_INET6
        let proto = v6 ? protocolICMPv6 : protocolICMP
        var datagramErrno: Int32 = 0
        if !preferRaw {
            let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
            if fd >= 0 {
                let socket = PingSocket(fd: fd, family: family, kind: .datagram, identifier: 0)
                try socket.configure(ttl: ttl)
                return socket
            }
            datagramErrno = errno
            guard [EACCES, EPERM, EAFNOSUPPORT, EPROTONOSUPPORT].contains(datagramErrno) else {
                throw .socket(call: "socket(SOCK_DGRAM, ICMP)", errno: datagramErrno)
            }
        }
        let fd = socket(family, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else {
            let rawErrno = errno
            if rawErrno == EPERM || rawErrno == EACCES {
                throw .icmpNotPermitted(datagramErrno: datagramErrno, rawErrno: rawErrno)
            }
            throw .socket(call: "socket(SOCK_RAW, ICMP)", errno: rawErrno)
        }
        let socket = PingSocket(fd: fd, family: family, kind: .raw, identifier: .random(in: 1 ... .max))
        try socket.configure(ttl: ttl)
        return socket
    }

    private func configure(ttl: Int?) throws(RTTError) {
        let v6 = family == AF_INET6
        var options: [(level: Int32, name: Int32, label: String, value: [UInt8])] = []
        if let ttl {
            options.append(
                v6
                    ? (Self.solIPv6, Self.ipv6UnicastHops, "IPV6_UNICAST_HOPS", Self.bytes(Int32(ttl)))
                    : (Self.solIP, Self.ipTTL, "IP_TTL", Self.bytes(Int32(ttl))))
        }
        if v6 { options.append((Self.solIPv6, Self.ipv6RecvHopLimit, "IPV6_RECVHOPLIMIT", Self.bytes(Int32(1)))) }
        switch (kind, v6) {
        case (.datagram, false):
            options.append((Self.solIP, Self.ipRecvErr, "IP_RECVERR", Self.bytes(Int32(1))))
            options.append((Self.solIP, Self.ipRecvTTL, "IP_RECVTTL", Self.bytes(Int32(1))))
        case (.datagram, true):
            options.append((Self.solIPv6, Self.ipv6RecvErr, "IPV6_RECVERR", Self.bytes(Int32(1))))
        case (.raw, false):
            options.append(
                (
                    Self.solRaw, Self.icmpFilter, "ICMP_FILTER",
                    ICMPEchoProber.filter(passing: ICMPEcho.v4Passed, words: 1)
                ))
        case (.raw, true):
            options.append(
                (
                    Self.solICMPv6, Self.icmpFilter, "ICMP6_FILTER",
                    ICMPEchoProber.filter(passing: ICMPEcho.v6Passed, words: 8)
                ))
        }
        for option in options {
            let status = option.value.withUnsafeBytes {
                setsockopt(fd, option.level, option.name, $0.baseAddress, socklen_t($0.count))
            }
            if status != 0 {
                let code = errno
                Glibc.close(fd)
                throw .socket(call: "setsockopt(\(option.label))", errno: code)
            }
        }
        guard ReceiveStamp.enable(on: fd) else {
            let code = errno
            Glibc.close(fd)
            throw .socket(call: "setsockopt(SO_TIMESTAMPNS)", errno: code)
        }
    }

    /// Sends echo request `sequence` with `payloadLength` data bytes; the errno when it failed.
    public func send(to dest: IPSocketAddress, sequence: UInt16, payloadLength: Int) -> Int32? {
        let packet = ICMPEcho.request(
            family: family, identifier: identifier, sequence: sequence, payloadSize: payloadLength)
        // Raw IPv6 sockets read a non-zero port as the protocol number; datagram sockets ignore it.
        let target = dest.with(port: 0)
        while true {
            let sent = packet.withUnsafeBytes { bytes in
                target.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
            }
            if sent >= 0 { return nil }
            if errno != EINTR { return errno }
        }
    }

    /// Everything queued now: echo replies and ICMP errors about our requests (from the error
    /// queue on datagram sockets, as packets on raw ones). Does not block.
    public func receive() -> [Received] { receive(drainOnError: true) }

    private func receive(drainOnError: Bool) -> [Received] {
        var found: [Received] = []
        var buffer = [UInt8](repeating: 0, count: 65536 + 60)
        var control = [UInt8](repeating: 0, count: 512)
        if kind == .datagram {
            while let message = SocketMessage.receive(fd, flags: Self.msgErrQueue, &buffer, &control) {
                let at = ReceiveStamp.instant(in: control[..<message.controlLength])
                guard let entry = ErrorQueueEntry.parse(control: Array(control[..<message.controlLength])),
                    let seq = EchoAnswer.quotedRequestSequence(
                        buffer[..<message.count], family: family, identifier: nil)
                else { continue }
                found.append(
                    Received(
                        answer: .error(seq: seq, type: entry.type, code: entry.code), source: entry.offender, ttl: nil,
                        at: at))
            }
        }
        while true {
            guard let message = SocketMessage.receive(fd, flags: 0, &buffer, &control) else {
                // A queued ICMP error fails one ordinary read with its errno: drain and go on.
                if drainOnError, kind == .datagram, [EHOSTUNREACH, ENETUNREACH, ECONNREFUSED, EMSGSIZE].contains(errno)
                {
                    found += receive(drainOnError: false)
                }
                return found
            }
            let at = ReceiveStamp.instant(in: control[..<message.controlLength])
            let v6 = family == AF_INET6
            guard
                let answer = EchoAnswer.parse(
                    Array(buffer[..<message.count]), family: family, withIPv4Header: kind == .raw && !v6,
                    identifier: kind == .raw ? identifier : nil)
            else { continue }
            let level = v6 ? Self.solIPv6 : Self.solIP
            let type = v6 ? Self.ipv6HopLimit : Self.ipTTL
            let ttl = ControlMessage.int32(in: control[..<message.controlLength], level: level, type: type).map(
                Int.init)
            found.append(Received(answer: answer, source: message.source, ttl: ttl, at: at))
        }
    }

    public func close() {
        Glibc.close(fd)
    }

    private static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
