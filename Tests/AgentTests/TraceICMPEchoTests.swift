import FathomAgent
import Glibc
import Testing

/// Echo request bytes, the Internet checksum, and matching raw-socket packets to a probe, with
/// packets built byte by byte as they arrive from the kernel (IPv4 with its IP header, IPv6 bare).
@Suite(.timeLimit(.minutes(2))) struct TraceICMPEchoTests {
    static let id: UInt16 = 0x1234, seq: UInt16 = 7
    static let dest4: [UInt8] = [10, 10, 2, 2]
    static let dest6: [UInt8] = [0xfd, 0, 0, 2] + [UInt8](repeating: 0, count: 11) + [2]

    /// A 20-byte IPv4 header (no options) carrying `proto` from `src` to `dst`.
    static func ipv4(proto: UInt8 = 1, src: [UInt8], dst: [UInt8], payload: Int) -> [UInt8] {
        let total = 20 + payload
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 1, proto, 0, 0] + src + dst
    }

    static func echo(type: UInt8, id: UInt16 = id, seq: UInt16 = seq, payload: [UInt8] = []) -> [UInt8] {
        [type, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), UInt8(seq >> 8), UInt8(seq & 0xff)] + payload
    }

    /// An ICMPv4 error from `from` quoting our echo request to `quotedDest`, wrapped in its IP header.
    static func v4Error(
        type: UInt8, code: UInt8, rest: [UInt8] = [0, 0, 0, 0], from: [UInt8] = [10, 10, 1, 1],
        quotedDest: [UInt8] = dest4, quotedID: UInt16 = id, quotedProto: UInt8 = 1
    ) -> [UInt8] {
        let quoted =
            ipv4(proto: quotedProto, src: [10, 10, 1, 2], dst: quotedDest, payload: 8) + echo(type: 8, id: quotedID)
        let icmp = [type, code, 0, 0] + rest + quoted
        return ipv4(src: from, dst: [10, 10, 1, 2], payload: icmp.count) + icmp
    }

    /// An ICMPv6 error quoting our echo request (IPv6 header, next header 58) to `quotedDest`.
    static func v6Error(
        type: UInt8, code: UInt8, rest: [UInt8] = [0, 0, 0, 0], quotedDest: [UInt8] = dest6,
        nextHeader: UInt8 = 58, quotedSeq: UInt16 = seq
    ) -> [UInt8] {
        let source: [UInt8] = [0xfd, 0, 0, 1] + [UInt8](repeating: 0, count: 11) + [2]
        let header: [UInt8] = [0x60, 0, 0, 0, 0, 8, nextHeader, 1] + source + quotedDest
        return [type, code, 0, 0] + rest + header + echo(type: 128, seq: quotedSeq)
    }

    static func classify4(_ packet: [UInt8], from: String = "10.10.1.1") -> ProbeReply? {
        ICMPEcho.classify(packet, family: AF_INET, from: from, dest: dest4, identifier: id, sequence: seq)
    }

    static func classify6(_ packet: [UInt8], from: String = "fd00:1::1") -> ProbeReply? {
        ICMPEcho.classify(packet, family: AF_INET6, from: from, dest: dest6, identifier: id, sequence: seq)
    }

    @Test func v4RequestHasTypeIdentifierSequenceAndChecksum() {
        let empty = ICMPEcho.request(family: AF_INET, identifier: 0x1234, sequence: 1, payloadSize: 0)
        // ~(0x0800 + 0x1234 + 0x0001) = ~0x1a35
        #expect(empty == [8, 0, 0xe5, 0xca, 0x12, 0x34, 0x00, 0x01])
        let full = ICMPEcho.request(family: AF_INET, identifier: 0xbeef, sequence: 0xfffe, payloadSize: 1472)
        #expect(full.count == 1480 && full[8...].allSatisfy { $0 == 0x40 })
        #expect(ICMPEcho.checksum(full) == 0, "a packet carrying its checksum sums to zero")
    }

    @Test func v6RequestLeavesTheChecksumToTheKernel() {
        let packet = ICMPEcho.request(family: AF_INET6, identifier: 0x1234, sequence: 2, payloadSize: 3)
        #expect(packet == [128, 0, 0, 0, 0x12, 0x34, 0, 2, 0x40, 0x40, 0x40])
    }

    @Test func checksumFollowsRFC1071() {
        // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 → checksum 0x220d.
        #expect(ICMPEcho.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        // An odd last byte is the high half of a word.
        #expect(ICMPEcho.checksum([0x01]) == ~UInt16(0x0100))
        #expect(ICMPEcho.checksum([0xff, 0xff, 0x00, 0x01]) == 0xfffe)  // carry folded back in
        #expect(ICMPEcho.checksum([]) == 0xffff)
    }

    @Test func v4EchoReplyWithOurIdentifierAndSequenceIsReached() {
        let reply = Self.echo(type: 0, payload: [1, 2, 3])
        let packet = Self.ipv4(src: Self.dest4, dst: [10, 10, 1, 2], payload: reply.count) + reply
        #expect(Self.classify4(packet, from: "10.10.2.2") == .reached(ip: "10.10.2.2"))
        let other = Self.echo(type: 0, id: 0x4321)
        #expect(Self.classify4(Self.ipv4(src: Self.dest4, dst: [10, 10, 1, 2], payload: 8) + other) == nil)
        let stale = Self.echo(type: 0, seq: 6)
        #expect(Self.classify4(Self.ipv4(src: Self.dest4, dst: [10, 10, 1, 2], payload: 8) + stale) == nil)
        // Our own request as loopback shows it to a raw socket.
        let request = Self.echo(type: 8)
        #expect(Self.classify4(Self.ipv4(src: Self.dest4, dst: Self.dest4, payload: 8) + request) == nil)
    }

    @Test func v4ErrorsQuotingOurProbeMapToHopMTUAndErrorNames() {
        #expect(Self.classify4(Self.v4Error(type: 11, code: 0)) == .hop(ip: "10.10.1.1"))
        #expect(
            Self.classify4(Self.v4Error(type: 3, code: 4, rest: [0, 0, 0x05, 0x78]))
                == .mtuExceeded(mtu: 1400, from: "10.10.1.1"))
        #expect(
            Self.classify4(Self.v4Error(type: 3, code: 1)) == .unreachable(ip: "10.10.1.1", error: "host-unreachable"))
        #expect(
            Self.classify4(Self.v4Error(type: 3, code: 13))
                == .unreachable(ip: "10.10.1.1", error: "communication-administratively-prohibited"))
        #expect(
            Self.classify4(Self.v4Error(type: 12, code: 0))
                == .unreachable(ip: "10.10.1.1", error: "icmp-type-12-code-0"))
    }

    @Test func v4ErrorsAboutSomethingElseAreDiscarded() {
        #expect(Self.classify4(Self.v4Error(type: 11, code: 0, quotedDest: [10, 10, 9, 9])) == nil)
        #expect(Self.classify4(Self.v4Error(type: 11, code: 0, quotedID: 0x9999)) == nil)
        #expect(Self.classify4(Self.v4Error(type: 11, code: 0, quotedProto: 17)) == nil, "a UDP probe's error")
        #expect(Self.classify4(Self.v4Error(type: 5, code: 1)) == nil, "redirect")
        let full = Self.v4Error(type: 11, code: 0)
        #expect(Self.classify4(Array(full.prefix(full.count - 1))) == nil, "quoted echo header cut short")
        #expect(Self.classify4(Array(full.prefix(19))) == nil)
        #expect(Self.classify4([]) == nil)
    }

    @Test func v6EchoReplyAndErrorsMapLikeTheUDPProbes() {
        #expect(Self.classify6(Self.echo(type: 129), from: "fd00:2::2") == .reached(ip: "fd00:2::2"))
        #expect(Self.classify6(Self.echo(type: 129, id: 1)) == nil)
        #expect(Self.classify6(Self.echo(type: 128)) == nil)
        #expect(Self.classify6(Self.v6Error(type: 3, code: 0)) == .hop(ip: "fd00:1::1"))
        #expect(
            Self.classify6(Self.v6Error(type: 2, code: 0, rest: [0, 0, 0x05, 0x00]))
                == .mtuExceeded(mtu: 1280, from: "fd00:1::1"))
        #expect(
            Self.classify6(Self.v6Error(type: 1, code: 0)) == .unreachable(ip: "fd00:1::1", error: "net-unreachable"))
        #expect(
            Self.classify6(Self.v6Error(type: 1, code: 1))
                == .unreachable(ip: "fd00:1::1", error: "communication-administratively-prohibited"))
        #expect(
            Self.classify6(Self.v6Error(type: 1, code: 3)) == .unreachable(ip: "fd00:1::1", error: "host-unreachable"))
        #expect(
            Self.classify6(Self.v6Error(type: 4, code: 0))
                == .unreachable(ip: "fd00:1::1", error: "icmp6-type-4-code-0"))
    }

    @Test func v6ErrorsAboutSomethingElseAreDiscarded() {
        var elsewhere = Self.dest6
        elsewhere[15] = 9
        #expect(Self.classify6(Self.v6Error(type: 3, code: 0, quotedDest: elsewhere)) == nil)
        #expect(Self.classify6(Self.v6Error(type: 3, code: 0, nextHeader: 17)) == nil)
        #expect(Self.classify6(Self.v6Error(type: 3, code: 0, quotedSeq: 8)) == nil)
        #expect(Self.classify6(Self.v6Error(type: 137, code: 0)) == nil, "redirect")
        #expect(Self.classify6(Array(Self.v6Error(type: 3, code: 0).prefix(55))) == nil)
    }
}
