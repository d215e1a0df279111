import Glibc
import Synchronization

/// ICMP echo probes on a raw socket (pScheduler `probe-type icmp`, `traceroute -I`); needs
/// `CAP_NET_RAW`.
///
/// Each probe is an echo request carrying this prober's identifier and the next sequence number,
/// sent with the probe's TTL (`IP_TTL` / `IPV6_UNICAST_HOPS`) and DF set (`IP_PMTUDISC_PROBE`,
/// like the UDP probes, so a narrower link answers "fragmentation needed" / "packet too big").
/// A raw ICMP socket sees every ICMP packet the host receives, so answers are matched by
/// identifier and sequence (see `ICMPEcho.classify`) and everything else is discarded until the
/// probe's wait runs out. A kernel filter (`ICMP_FILTER` / `ICMP6_FILTER`) lets through only
/// echo replies and errors.
///
/// Without `CAP_NET_RAW` the first call throws `TraceError.rawSocketNotPermitted`; there is no
/// fallback to UDP. `answers` blocks in `ppoll`: run a trace on its own thread.
///
/// ```swift
/// let prober = ICMPEchoProber()
/// let mtu = try prober.initialMTU(to: dest)
/// let outcome = try prober.probe(to: dest, ttl: 1, packetSize: mtu, wait: .seconds(1))
/// ```
public final class ICMPEchoProber: TraceProbing {
    /// Echo identifier of this prober's requests; random so concurrent traces (and other
    /// processes' pings) do not take each other's answers.
    public let identifier: UInt16
    private let sequence = Atomic<UInt16>(0)
    /// Where each probe in flight went, by socket: its answers are matched against it.
    private let destinations = Mutex<[Int32: IPSocketAddress]>([:])

    private static let solIP: Int32 = 0, solIPv6: Int32 = 41, solRaw: Int32 = 255, solICMPv6: Int32 = 58
    private static let ipTTL: Int32 = 2, ipMTUDiscover: Int32 = 10, icmpFilter: Int32 = 1
    private static let ipv6UnicastHops: Int32 = 16, ipv6MTUDiscover: Int32 = 23, icmp6Filter: Int32 = 1
    /// `IP_PMTUDISC_PROBE` / `IPV6_PMTUDISC_PROBE`: DF set, cached PMTU ignored (as `UDPProber`).
    private static let pmtuDiscProbe: Int32 = 3
    private static let protocolICMP: Int32 = 1, protocolICMPv6: Int32 = 58
    /// Largest IP datagram the probe may fill (IPv4 total length, IPv6 payload length both 16 bits).
    private static let maxPacket = 65535
    /// Big enough for an error quoting 576 bytes and an echo reply's headers; longer replies are
    /// truncated, which loses only payload.
    private static let receiveBuffer = 2048

    public init(identifier: UInt16 = .random(in: 0 ... .max)) {
        self.identifier = identifier
    }

    /// Opens (and closes) a raw socket first, so a missing `CAP_NET_RAW` is reported before any
    /// probe; the MTU itself is the route's, as for UDP probes.
    public func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int {
        close(try openSocket(dest.family, ttl: 64))
        return try UDPProber().initialMTU(to: dest)
    }

    public func send(to dest: IPSocketAddress, ttl: Int, packetSize: Int) throws(TraceError) -> ProbeSend {
        let fd = try openSocket(dest.family, ttl: ttl)
        let number = sequence.wrappingAdd(1, ordering: .relaxed).newValue
        let payload = max(0, min(packetSize, Self.maxPacket) - dest.headerSize)
        let packet = ICMPEcho.request(
            family: dest.family, identifier: identifier, sequence: number, payloadSize: payload)
        // Raw IPv6 sockets read a non-zero port as the protocol number: send with port 0.
        let target = dest.with(port: 0)
        let start = ContinuousClock.now
        let sent = packet.withUnsafeBytes { bytes in
            target.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
        }
        if sent < 0 {
            let code = errno
            close(fd)
            // The packet is larger than the interface allows: a LOCAL "too big", as for UDP.
            if code == EMSGSIZE {
                let mtu = (try? UDPProber().initialMTU(to: dest)) ?? 0
                return .answered(ProbeOutcome(reply: .mtuExceeded(mtu: mtu, from: nil), rtt: nil))
            }
            return .answered(ProbeOutcome(reply: .localError(errno: code), rtt: nil))
        }
        destinations.withLock { $0[fd] = dest }
        return .inFlight(SentProbe(socket: fd, sequence: number, sentAt: start))
    }

    /// Each probe's raw socket sees every ICMP packet the host receives: everything queued is
    /// read, what matches the probe's identifier and sequence answers it, the rest is dropped.
    /// The destination each answer is matched against is the one `probes` were sent to.
    public func answers(for probes: [SentProbe], until deadline: ContinuousClock.Instant) throws(TraceError)
        -> [ProbeOutcome?]
    {
        var buffer = [UInt8](repeating: 0, count: Self.receiveBuffer)
        return try ProbePoll.answers(probes, events: Int16(POLLIN), until: deadline) { index, revents in
            let probe = probes[index]
            if revents & Int16(POLLERR) != 0 { clearSocketError(probe.socket) }
            guard let dest = destinations.withLock({ $0[probe.socket] }) else { return nil }
            var outcome: ProbeOutcome?
            // Everything queued is read; the first packet that matches answers the probe.
            while let (count, source, at) = receive(probe.socket, into: &buffer) {
                if outcome == nil,
                    let reply = ICMPEcho.classify(
                        Array(buffer[..<count]), family: dest.family, from: source, dest: dest.addressBytes,
                        identifier: identifier, sequence: probe.sequence)
                {
                    outcome = ProbeOutcome(reply: reply, rtt: probe.sentAt.duration(to: at))
                }
            }
            return outcome
        }
    }

    public func finish(_ probe: SentProbe) {
        destinations.withLock { _ = $0.removeValue(forKey: probe.socket) }
        close(probe.socket)
    }

    /// A raw ICMP / ICMPv6 socket with the TTL, DF probing and the type filter set. Unconnected:
    /// a connected raw socket would turn ICMP errors into socket errors instead of packets.
    private func openSocket(_ family: Int32, ttl: Int) throws(TraceError) -> Int32 {
        let v6 = family == AF_INET6
        let fd = socket(
            family, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            v6 ? Self.protocolICMPv6 : Self.protocolICMP)
        guard fd >= 0 else {
            let code = errno
            if code == EPERM || code == EACCES { throw .rawSocketNotPermitted(errno: code) }
            throw .socket(call: "socket(SOCK_RAW)", errno: code)
        }
        let options: [(level: Int32, name: Int32, label: String, value: [UInt8])] = [
            v6
                ? (Self.solIPv6, Self.ipv6UnicastHops, "IPV6_UNICAST_HOPS", Self.bytes(Int32(ttl)))
                : (Self.solIP, Self.ipTTL, "IP_TTL", Self.bytes(Int32(ttl))),
            v6
                ? (Self.solIPv6, Self.ipv6MTUDiscover, "IPV6_MTU_DISCOVER", Self.bytes(Self.pmtuDiscProbe))
                : (Self.solIP, Self.ipMTUDiscover, "IP_MTU_DISCOVER", Self.bytes(Self.pmtuDiscProbe)),
            v6
                ? (Self.solICMPv6, Self.icmp6Filter, "ICMP6_FILTER", Self.filter(passing: ICMPEcho.v6Passed, words: 8))
                : (Self.solRaw, Self.icmpFilter, "ICMP_FILTER", Self.filter(passing: ICMPEcho.v4Passed, words: 1)),
        ]
        for option in options {
            let status = option.value.withUnsafeBytes {
                setsockopt(fd, option.level, option.name, $0.baseAddress, socklen_t($0.count))
            }
            if status != 0 {
                let code = errno
                close(fd)
                throw .socket(call: "setsockopt(\(option.label))", errno: code)
            }
        }
        guard ReceiveStamp.enable(on: fd) else {
            let code = errno
            close(fd)
            throw .socket(call: "setsockopt(SO_TIMESTAMPNS)", errno: code)
        }
        return fd
    }

    /// A type filter as the kernel reads it: one bit per ICMP type in native-endian 32-bit words,
    /// a set bit blocks the type (`struct icmp_filter` has one word, `struct icmp6_filter` eight).
    static func filter(passing types: [UInt8], words: Int) -> [UInt8] {
        var mask = [UInt32](repeating: .max, count: words)
        for type in types where Int(type) / 32 < words { mask[Int(type) / 32] &= ~(1 << (UInt32(type) % 32)) }
        return mask.flatMap { bytes($0) }
    }

    private static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    /// One non-blocking read: the byte count, the sender and the kernel's receive stamp; nil when
    /// nothing is queued.
    private func receive(_ fd: Int32, into buffer: inout [UInt8]) -> (Int, String?, ContinuousClock.Instant)? {
        var control = [UInt8](repeating: 0, count: 128)
        guard let message = SocketMessage.receive(fd, flags: 0, &buffer, &control) else { return nil }
        return (message.count, message.source, ReceiveStamp.instant(in: control[..<message.controlLength]))
    }

    /// Reads and drops a pending socket error so `poll` does not keep waking for it.
    private func clearSocketError(_ fd: Int32) {
        var error: Int32 = 0
        var length = socklen_t(4)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
    }
}
