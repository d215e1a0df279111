import Glibc

/// What one datagram read from an ICMP socket says about our echo requests: a reply to
/// sequence `seq`, or an ICMP error quoting request `seq`. Pure functions over bytes, so every
/// layout is tested with hand-built packets.
///
/// Layouts (pscheduler-rtt-and-as.md §4): an ICMP datagram socket and a raw ICMPv6 socket hand
/// over the bare ICMP message; a raw IPv4 socket prepends the IPv4 header (whose TTL is the
/// reply's). An error quotes the original IP header and the request's first 8 bytes. On a raw
/// socket every ICMP packet of the host arrives, so replies and quoted requests must carry our
/// identifier; a datagram socket sees only its own replies (the kernel rewrote the identifier
/// to the socket's port), so there the identifier is not checked.
///
/// ```swift
/// let answer = EchoAnswer.parse(bytes, family: AF_INET, withIPv4Header: true, identifier: 0x1234)
/// ```
public enum EchoAnswer: Sendable, Equatable {
    /// An echo reply: ICMP bytes received (header + data), TTL when the packet carried it.
    case reply(seq: UInt16, length: Int, ttl: Int?)
    /// An ICMP error about request `seq`.
    case error(seq: UInt16, type: UInt8, code: UInt8)

    /// Parses `packet`; nil when it is not about our requests (or too short to tell).
    /// `identifier` nil accepts any identifier (datagram sockets).
    public static func parse(_ packet: [UInt8], family: Int32, withIPv4Header: Bool, identifier: UInt16?) -> EchoAnswer?
    {
        var icmp = packet[...]
        var ttl: Int?
        if withIPv4Header {
            guard let (payload, headerTTL) = afterIPv4Header(icmp) else { return nil }
            icmp = payload
            ttl = headerTTL
        }
        guard icmp.count >= ICMPEcho.headerSize else { return nil }
        let v6 = family == AF_INET6
        let type = icmp[icmp.startIndex]
        let code = icmp[icmp.startIndex + 1]
        if type == (v6 ? ICMPEcho.echoReply6 : ICMPEcho.echoReply) {
            guard identifier == nil || word(icmp, 4) == identifier else { return nil }
            return .reply(seq: word(icmp, 6), length: icmp.count, ttl: ttl)
        }
        let errorTypes =
            v6
            ? ICMPEcho.v6Passed.filter { $0 != ICMPEcho.echoReply6 }
            : [ICMPEcho.unreachable, ICMPEcho.timeExceeded, ICMPEcho.parameterProblem]
        guard errorTypes.contains(type) else { return nil }
        let quotedIP = icmp.dropFirst(ICMPEcho.headerSize)
        let quotedEcho: ArraySlice<UInt8>
        if v6 {
            // Requests carry no extension headers: the echo follows the 40-byte IPv6 header.
            guard quotedIP.count >= 40 + ICMPEcho.headerSize,
                quotedIP[quotedIP.startIndex + 6] == ICMPEcho.nextHeaderICMPv6
            else { return nil }
            quotedEcho = quotedIP.dropFirst(40)
        } else {
            guard let (payload, _) = afterIPv4Header(quotedIP) else { return nil }
            quotedEcho = payload
        }
        guard let seq = quotedRequestSequence(quotedEcho, family: family, identifier: identifier) else { return nil }
        return .error(seq: seq, type: type, code: code)
    }

    /// The sequence of the echo request `echo` starts with (as an error quotes it, or as the
    /// error queue returns it); nil when it is not our request.
    public static func quotedRequestSequence(_ echo: ArraySlice<UInt8>, family: Int32, identifier: UInt16?) -> UInt16? {
        guard echo.count >= ICMPEcho.headerSize,
            echo[echo.startIndex] == (family == AF_INET6 ? ICMPEcho.echoRequest6 : ICMPEcho.echoRequest),
            identifier == nil || word(echo, 4) == identifier
        else { return nil }
        return word(echo, 6)
    }

    /// pScheduler's `icmp-error` name for an ICMP error, nil where its enum has none (time
    /// exceeded, parameter problem, unreachable codes past 15).
    public static func errorName(family: Int32, type: UInt8, code: UInt8) -> String? {
        if family == AF_INET6 {
            return type == ICMPEcho.unreachable6 ? ICMPError.v6(code: code) : nil
        }
        guard type == ICMPEcho.unreachable, Int(code) < ICMPError.v4Names.count else { return nil }
        return ICMPError.v4Names[Int(code)]
    }

    /// The bytes after an IPv4 ICMP packet's header, and the header's TTL.
    private static func afterIPv4Header(_ packet: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int)? {
        let base = packet.startIndex
        guard packet.count >= 20, packet[base] >> 4 == 4 else { return nil }
        let length = Int(packet[base] & 0x0f) * 4
        guard length >= 20, packet.count >= length, packet[base + 9] == ICMPEcho.protocolICMP else { return nil }
        return (packet.dropFirst(length), Int(packet[base + 8]))
    }

    private static func word(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt16 {
        UInt16(bytes[bytes.startIndex + offset]) << 8 | UInt16(bytes[bytes.startIndex + offset + 1])
    }
}
