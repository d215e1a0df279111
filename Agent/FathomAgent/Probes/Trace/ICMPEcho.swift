import Glibc

/// ICMP / ICMPv6 echo requests as bytes, and what a packet read from a raw ICMP socket means for
/// one of them. Pure functions, so packet layouts are tested with hand-built bytes.
///
/// An answer belongs to a probe when it is an echo reply with the probe's identifier and sequence,
/// or an ICMP error (time exceeded, destination unreachable, fragmentation needed / packet too big)
/// quoting the probe: the original IP header, sent to our destination, followed by the echo
/// request's first 8 bytes with the same identifier and sequence (RFC 792, RFC 4443). Anything
/// else (other processes' pings, our own request seen on loopback) is `nil`.
///
/// ```swift
/// let packet = ICMPEcho.request(family: AF_INET, identifier: 0x1234, sequence: 1, payloadSize: 32)
/// let reply = ICMPEcho.classify(received, family: AF_INET, from: "10.20.1.1",
///                               dest: dest.addressBytes, identifier: 0x1234, sequence: 1)
/// ```
public enum ICMPEcho {
    /// ICMPv4 types.
    static let echoReply: UInt8 = 0, unreachable: UInt8 = 3, echoRequest: UInt8 = 8
    static let timeExceeded: UInt8 = 11, parameterProblem: UInt8 = 12
    /// ICMPv6 types.
    static let unreachable6: UInt8 = 1, packetTooBig6: UInt8 = 2, timeExceeded6: UInt8 = 3
    static let parameterProblem6: UInt8 = 4, echoRequest6: UInt8 = 128, echoReply6: UInt8 = 129
    /// Size of an echo header: type, code, checksum, identifier, sequence.
    public static let headerSize = 8
    /// IPv6 "next header" value of ICMPv6.
    static let nextHeaderICMPv6: UInt8 = 58
    static let protocolICMP: UInt8 = 1

    /// The ICMPv4 types a v4 raw socket lets through (`ICMP_FILTER` blocks everything else).
    static let v4Passed: [UInt8] = [echoReply, unreachable, timeExceeded, parameterProblem]
    /// The ICMPv6 types a v6 raw socket lets through (`ICMP6_FILTER`).
    static let v6Passed: [UInt8] = [unreachable6, packetTooBig6, timeExceeded6, parameterProblem6, echoReply6]

    /// An echo request (type 8, or 128 for `AF_INET6`) with `payloadSize` pattern bytes.
    ///
    /// The ICMPv4 checksum is filled in; the ICMPv6 one stays zero because the kernel computes it
    /// for raw `IPPROTO_ICMPV6` sockets (it covers a pseudo-header with the source address, which
    /// only the kernel knows when the packet leaves).
    public static func request(family: Int32, identifier: UInt16, sequence: UInt16, payloadSize: Int) -> [UInt8] {
        let v6 = family == AF_INET6
        var packet: [UInt8] = [v6 ? echoRequest6 : echoRequest, 0, 0, 0]
        packet += [UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        // Same filler byte as the UDP probes.
        packet += [UInt8](repeating: 0x40, count: max(0, payloadSize))
        if !v6 {
            let sum = checksum(packet)
            packet[2] = UInt8(sum >> 8)
            packet[3] = UInt8(sum & 0xff)
        }
        return packet
    }

    /// The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit
    /// big-endian words, an odd last byte padded with zero. Summing a packet that carries its
    /// checksum gives 0.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// What `packet` (as read from a raw socket: with its IPv4 header for `AF_INET`, the bare
    /// ICMPv6 message for `AF_INET6`) says about the probe `identifier`/`sequence` sent to `dest`
    /// (`IPSocketAddress.addressBytes`); `source` is the sender as `recvfrom` reported it.
    /// Nil when the packet is about something else or too short to tell.
    public static func classify(
        _ packet: [UInt8], family: Int32, from source: String?, dest: [UInt8], identifier: UInt16, sequence: UInt16
    ) -> ProbeReply? {
        let probe = Probe(dest: dest, identifier: identifier, sequence: sequence)
        return family == AF_INET6 ? classifyV6(packet[...], source, probe) : classifyV4(packet[...], source, probe)
    }

    private struct Probe {
        var dest: [UInt8], identifier: UInt16, sequence: UInt16

        /// Whether `echo` starts with an echo header of `type` carrying this probe's id and sequence.
        func isEcho(_ echo: ArraySlice<UInt8>, type: UInt8) -> Bool {
            guard echo.count >= ICMPEcho.headerSize else { return false }
            let base = echo.startIndex
            return echo[base] == type && ICMPEcho.word(echo, at: base + 4) == identifier
                && ICMPEcho.word(echo, at: base + 6) == sequence
        }
    }

    private static func classifyV4(_ packet: ArraySlice<UInt8>, _ source: String?, _ probe: Probe) -> ProbeReply? {
        guard let icmp = afterIPv4Header(packet, protocol: protocolICMP, to: nil), icmp.count >= headerSize else {
            return nil
        }
        let type = icmp[icmp.startIndex]
        let code = icmp[icmp.startIndex + 1]
        if type == echoReply { return probe.isEcho(icmp, type: echoReply) ? .reached(ip: source) : nil }
        // An error quotes the original datagram after its own 8-byte header.
        guard [unreachable, timeExceeded, parameterProblem].contains(type),
            let quoted = afterIPv4Header(icmp.dropFirst(headerSize), protocol: protocolICMP, to: probe.dest),
            probe.isEcho(quoted, type: echoRequest)
        else { return nil }
        switch (type, code) {
        case (timeExceeded, _): return .hop(ip: source)
        // Next-hop MTU in the low half of the "unused" word (RFC 1191).
        case (unreachable, 4): return .mtuExceeded(mtu: Int(word(icmp, at: icmp.startIndex + 6)), from: source)
        case (unreachable, let c): return .unreachable(ip: source, error: ICMPError.v4(code: c))
        default: return .unreachable(ip: source, error: "icmp-type-\(type)-code-\(code)")
        }
    }

    private static func classifyV6(_ icmp: ArraySlice<UInt8>, _ source: String?, _ probe: Probe) -> ProbeReply? {
        guard icmp.count >= headerSize else { return nil }
        let type = icmp[icmp.startIndex]
        let code = icmp[icmp.startIndex + 1]
        if type == echoReply6 { return probe.isEcho(icmp, type: echoReply6) ? .reached(ip: source) : nil }
        guard [unreachable6, packetTooBig6, timeExceeded6, parameterProblem6].contains(type) else { return nil }
        // The quoted IPv6 header: 40 bytes, next header at 6, destination at 24..<40. Probes carry
        // no extension headers, so anything else is not ours.
        let quoted = icmp.dropFirst(headerSize)
        let base = quoted.startIndex
        guard quoted.count >= 40 + headerSize, quoted[base] >> 4 == 6, quoted[base + 6] == nextHeaderICMPv6,
            Array(quoted[(base + 24)..<(base + 40)]) == probe.dest,
            probe.isEcho(quoted.dropFirst(40), type: echoRequest6)
        else { return nil }
        switch type {
        case timeExceeded6: return .hop(ip: source)
        case packetTooBig6:
            let start = icmp.startIndex + 4
            return .mtuExceeded(mtu: Int(word(icmp, at: start)) << 16 | Int(word(icmp, at: start + 2)), from: source)
        case unreachable6: return .unreachable(ip: source, error: ICMPError.v6(code: code))
        default: return .unreachable(ip: source, error: "icmp6-type-\(type)-code-\(code)")
        }
    }

    /// The payload after an IPv4 header of `protocol` (to `dest`, when given); nil otherwise.
    private static func afterIPv4Header(_ packet: ArraySlice<UInt8>, protocol: UInt8, to dest: [UInt8]?) -> ArraySlice<
        UInt8
    >? {
        let base = packet.startIndex
        guard packet.count >= 20, packet[base] >> 4 == 4 else { return nil }
        let length = Int(packet[base] & 0x0f) * 4
        guard length >= 20, packet.count >= length, packet[base + 9] == `protocol` else { return nil }
        if let dest, Array(packet[(base + 16)..<(base + 20)]) != dest { return nil }
        return packet.dropFirst(length)
    }

    fileprivate static func word(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt16 {
        UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }
}
