import FathomAgent
import Glibc
import Testing

/// Decoding `sock_extended_err` control messages built byte by byte as the kernel lays them out.
@Suite(.timeLimit(.minutes(2))) struct TraceErrorQueueTests {
    /// A cmsghdr (len, level, type) + sock_extended_err + offender sockaddr, padded like CMSG_SPACE.
    static func control(
        level: Int32, type: Int32, errno: UInt32, origin: UInt8, icmpType: UInt8, code: UInt8,
        info: UInt32, offender: [UInt8]
    ) -> [UInt8] {
        var data: [UInt8] = []
        withUnsafeBytes(of: errno.littleEndian) { data += $0 }
        data += [origin, icmpType, code, 0]
        withUnsafeBytes(of: info.littleEndian) { data += $0 }
        data += [0, 0, 0, 0] + offender
        var bytes: [UInt8] = []
        withUnsafeBytes(of: 16 + data.count) { bytes += $0 }
        withUnsafeBytes(of: level) { bytes += $0 }
        withUnsafeBytes(of: type) { bytes += $0 }
        bytes += data
        while bytes.count % 8 != 0 { bytes.append(0) }
        return bytes
    }

    static func sockaddrIn(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: sa_family_t(AF_INET)) { bytes += $0 }
        return bytes + [0, 0, a, b, c, d] + [UInt8](repeating: 0, count: 8)
    }

    static func sockaddrIn6(_ address: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: sa_family_t(AF_INET6)) { bytes += $0 }
        return bytes + [0, 0, 0, 0, 0, 0] + address + [0, 0, 0, 0]
    }

    @Test func timeExceededIsAHopWithTheOffender() throws {
        let bytes = Self.control(
            level: 0, type: 11, errno: UInt32(EHOSTUNREACH), origin: 2, icmpType: 11, code: 0,
            info: 0, offender: Self.sockaddrIn(10, 10, 1, 1))
        let entry = try #require(ErrorQueueEntry.parse(control: bytes))
        #expect(entry.offender == "10.10.1.1")
        #expect(entry.classify() == .hop(ip: "10.10.1.1"))
    }

    @Test func v4CodesMapToReachedMTUAndErrors() throws {
        func classify(_ type: UInt8, _ code: UInt8, info: UInt32 = 0, origin: UInt8 = 2) throws -> ProbeReply {
            let bytes = Self.control(
                level: 0, type: 11, errno: 0, origin: origin, icmpType: type, code: code,
                info: info, offender: Self.sockaddrIn(10, 10, 2, 2))
            return try #require(ErrorQueueEntry.parse(control: bytes)).classify()
        }
        #expect(try classify(3, 3) == .reached(ip: "10.10.2.2"))
        #expect(try classify(3, 4, info: 1400) == .mtuExceeded(mtu: 1400, from: "10.10.2.2"))
        #expect(try classify(3, 1) == .unreachable(ip: "10.10.2.2", error: "host-unreachable"))
        #expect(
            try classify(3, 13) == .unreachable(ip: "10.10.2.2", error: "communication-administratively-prohibited"))
    }

    @Test func v6TimeExceededPortUnreachableAndPacketTooBig() throws {
        let server: [UInt8] = [0xfd, 0, 0, 2] + [UInt8](repeating: 0, count: 11) + [2]
        func classify(_ type: UInt8, _ code: UInt8, info: UInt32 = 0) throws -> ProbeReply {
            let bytes = Self.control(
                level: 41, type: 25, errno: 0, origin: 3, icmpType: type, code: code, info: info,
                offender: Self.sockaddrIn6(server))
            return try #require(ErrorQueueEntry.parse(control: bytes)).classify()
        }
        #expect(try classify(3, 0) == .hop(ip: "fd00:2::2"))
        #expect(try classify(1, 4) == .reached(ip: "fd00:2::2"))
        #expect(try classify(2, 0, info: 1280) == .mtuExceeded(mtu: 1280, from: "fd00:2::2"))
        #expect(try classify(1, 0) == .unreachable(ip: "fd00:2::2", error: "net-unreachable"))
    }

    @Test func localEMSGSIZECarriesTheCachedMTU() throws {
        let bytes = Self.control(
            level: 0, type: 11, errno: UInt32(EMSGSIZE), origin: 1, icmpType: 0, code: 0,
            info: 1400, offender: [])
        let entry = try #require(ErrorQueueEntry.parse(control: bytes))
        #expect(entry.offender == nil)
        #expect(entry.classify() == .mtuExceeded(mtu: 1400, from: nil))
    }

    @Test func otherControlMessagesAndTruncatedBuffersAreIgnored() {
        // An IP_TTL cmsg only (level 0, type 2) and a header claiming more bytes than exist.
        var ttl: [UInt8] = []
        withUnsafeBytes(of: 20) { ttl += $0 }
        withUnsafeBytes(of: Int32(0)) { ttl += $0 }
        withUnsafeBytes(of: Int32(2)) { ttl += $0 }
        ttl += [64, 0, 0, 0, 0, 0, 0, 0]
        #expect(ErrorQueueEntry.parse(control: ttl) == nil)
        #expect(ErrorQueueEntry.parse(control: Array(ttl.prefix(18))) == nil)
        #expect(ErrorQueueEntry.parse(control: []) == nil)
    }
}
