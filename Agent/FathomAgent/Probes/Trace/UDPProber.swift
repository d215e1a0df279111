import Glibc

/// Unprivileged UDP probes read back through `IP_RECVERR` / `IPV6_RECVERR`, as tracepath does.
///
/// One socket per probe: an ICMP error that arrives after its probe timed out lands on a closed
/// socket instead of being mistaken for another probe's answer, and many probes can be in
/// flight at once (each answer arrives on its own probe's socket). `answers` blocks in `ppoll`,
/// so run a trace on its own thread, never on the cooperative pool.
///
/// ```swift
/// let outcome = try UDPProber().probe(to: dest.with(port: 33434), ttl: 1, packetSize: 1500, wait: .seconds(1))
/// ```
public struct UDPProber: TraceProbing {
    public init() {}

    // Not all of these import from Glibc; values from <linux/in.h> and <linux/in6.h>.
    private static let ipMTUDiscover: Int32 = 10, ipMTU: Int32 = 14, ipRecvErr: Int32 = 11
    private static let ipv6UnicastHops: Int32 = 16, ipv6MTUDiscover: Int32 = 23, ipv6MTU: Int32 = 24
    private static let ipv6RecvErr: Int32 = 25
    /// `IP_PMTUDISC_PROBE`: set DF but ignore the cached PMTU, so an oversized probe reaches the
    /// router that cannot forward it and its "fragmentation needed" tells us the MTU.
    private static let pmtuDiscProbe: Int32 = 3
    private static let solIP: Int32 = 0, solIPv6: Int32 = 41
    /// Largest IPv4 datagram; loopback's MTU (65536) is one more.
    private static let maxPacket = 65535

    /// The interface's MTU. `IP_MTU` gives the route's, which includes a PMTU cached from any
    /// earlier discovery toward `dest`; when it is below the largest packet, a datagram of that
    /// size is sent with `IP_PMTUDISC_PROBE`, which sizes against the interface alone: the kernel
    /// refuses it (EMSGSIZE) before it leaves and queues the interface MTU as a local error.
    /// Only an interface that takes 64 KiB (loopback) lets that datagram out, at TTL 1.
    public func initialMTU(to dest: IPSocketAddress) throws(TraceError) -> Int {
        let fd = try openSocket(dest, ttl: 1)
        defer { close(fd) }
        var mtu: Int32 = 0
        var length = socklen_t(4)
        let (level, name) = dest.family == AF_INET6 ? (Self.solIPv6, Self.ipv6MTU) : (Self.solIP, Self.ipMTU)
        guard getsockopt(fd, level, name, &mtu, &length) == 0 else {
            throw .socket(call: "getsockopt(IP_MTU)", errno: errno)
        }
        if Int(mtu) >= Self.maxPacket { return Int(mtu) }
        // Zeroed by calloc, which for fresh heap memory writes nothing: the kernel refuses the
        // datagram before reading it, so its 16 pages are never touched (a filled array cost a
        // one-shot trace 16 page faults).
        let size = Self.maxPacket - dest.headerSize
        guard let payload = calloc(1, size) else { return Int(mtu) }
        defer { free(payload) }
        let sent = Glibc.send(fd, payload, size, 0)
        if sent >= 0 { return Self.maxPacket }
        if errno == EMSGSIZE, case .mtuExceeded(let device, _)? = readErrorQueue(fd)?.entry.classify(), device > 0 {
            return device
        }
        return Int(mtu)
    }

    public func send(to dest: IPSocketAddress, ttl: Int, packetSize: Int) throws(TraceError) -> ProbeSend {
        let fd = try openSocket(dest, ttl: ttl)
        let payload = [UInt8](repeating: 0x40, count: max(0, min(packetSize, Self.maxPacket) - dest.headerSize))
        let start = ContinuousClock.now
        let sent = payload.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        if sent < 0 {
            let code = errno
            defer { close(fd) }
            // Larger than the interface: a LOCAL EMSGSIZE, the interface MTU in the error queue.
            if code == EMSGSIZE {
                let local = readErrorQueue(fd)?.entry.classify()
                if case .mtuExceeded? = local { return .answered(ProbeOutcome(reply: local!, rtt: nil)) }
                return .answered(ProbeOutcome(reply: .mtuExceeded(mtu: currentMTU(fd, dest) ?? 0, from: nil), rtt: nil))
            }
            return .answered(ProbeOutcome(reply: .localError(errno: code), rtt: nil))
        }
        return .inFlight(SentProbe(socket: fd, sentAt: start))
    }

    public func answers(for probes: [SentProbe], until deadline: ContinuousClock.Instant) throws(TraceError)
        -> [ProbeOutcome?]
    {
        try ProbePoll.answers(probes, events: Int16(POLLIN) | Int16(POLLERR), until: deadline) { index, revents in
            let probe = probes[index]
            if let (entry, control) = readErrorQueue(probe.socket) {
                let at = ReceiveStamp.instant(in: control[...])
                return ProbeOutcome(reply: entry.classify(), rtt: probe.sentAt.duration(to: at))
            }
            // A UDP answer from the destination itself also means it was reached.
            guard revents & Int16(POLLIN) != 0 else { return nil }
            let now = ContinuousClock.now
            var byte: UInt8 = 0
            guard recv(probe.socket, &byte, 1, Int32(MSG_DONTWAIT)) >= 0 else { return nil }
            return ProbeOutcome(reply: .reached(ip: peer(probe.socket)), rtt: probe.sentAt.duration(to: now))
        }
    }

    public func finish(_ probe: SentProbe) {
        close(probe.socket)
    }

    /// A connected UDP socket with error-queue reporting, the TTL and DF probing set.
    private func openSocket(_ dest: IPSocketAddress, ttl: Int) throws(TraceError) -> Int32 {
        let fd = socket(dest.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(call: "socket", errno: errno) }
        let v6 = dest.family == AF_INET6
        let level = v6 ? Self.solIPv6 : Self.solIP
        func set(_ name: Int32, _ value: Int32) throws(TraceError) {
            var v = value
            if setsockopt(fd, level, name, &v, 4) != 0 {
                let code = errno
                close(fd)
                throw .socket(call: "setsockopt(\(name))", errno: code)
            }
        }
        try set(v6 ? Self.ipv6RecvErr : Self.ipRecvErr, 1)
        try set(v6 ? Self.ipv6UnicastHops : IP_TTL, Int32(ttl))
        try set(v6 ? Self.ipv6MTUDiscover : Self.ipMTUDiscover, Self.pmtuDiscProbe)
        guard ReceiveStamp.enable(on: fd) else {
            let code = errno
            close(fd)
            throw .socket(call: "setsockopt(SO_TIMESTAMPNS)", errno: code)
        }
        let connected = dest.withSockaddr { connect(fd, $0, $1) }
        if connected != 0 {
            let code = errno
            close(fd)
            throw .socket(call: "connect \(dest.host)", errno: code)
        }
        return fd
    }

    /// The address a connected socket sends to (the destination that answered on it).
    private func peer(_ fd: Int32) -> String? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        return withUnsafeBytes(of: &address) {
            IPSocketAddress.numericHost(
                sockaddr: UnsafeRawBufferPointer(rebasing: $0[..<Int(min(length, socklen_t($0.count)))]))
        }
    }

    /// The route MTU the kernel now holds for the connected destination.
    private func currentMTU(_ fd: Int32, _ dest: IPSocketAddress) -> Int? {
        var mtu: Int32 = 0
        var length = socklen_t(4)
        let (level, name) = dest.family == AF_INET6 ? (Self.solIPv6, Self.ipv6MTU) : (Self.solIP, Self.ipMTU)
        return getsockopt(fd, level, name, &mtu, &length) == 0 ? Int(mtu) : nil
    }

    /// One `recvmsg(MSG_ERRQUEUE)`: the entry and its control messages (the kernel's receive
    /// stamp of an ICMP error is among them, see ``ReceiveStamp``); nil when the queue is empty.
    private func readErrorQueue(_ fd: Int32) -> (entry: ErrorQueueEntry, control: [UInt8])? {
        var data = [UInt8](repeating: 0, count: 512)
        var control = [UInt8](repeating: 0, count: 512)
        guard let message = SocketMessage.receive(fd, flags: Int32(MSG_ERRQUEUE), &data, &control) else { return nil }
        let entryControl = Array(control[..<message.controlLength])
        guard let entry = ErrorQueueEntry.parse(control: entryControl) else { return nil }
        return (entry, entryControl)
    }
}
