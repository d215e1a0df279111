import FathomAgent
import Glibc
import Testing

/// Echo replies and ICMP errors as datagram and raw sockets deliver them, built by hand; and the
/// TTL read from ancillary data.
@Suite(.timeLimit(.minutes(1))) struct RTTEchoAnswerTests {
    /// A 20-byte IPv4 header carrying ICMP with `ttl`, from/to the given addresses.
    private func ipv4Header(ttl: UInt8, from: [UInt8], to: [UInt8], payload: Int) -> [UInt8] {
        let total = 20 + payload
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, ttl, 1, 0, 0] + from + to
    }

    private func echo(type: UInt8, id: UInt16, seq: UInt16, data: Int = 56) -> [UInt8] {
        [type, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), UInt8(seq >> 8), UInt8(seq & 0xff)]
            + [UInt8](repeating: 0x40, count: data)
    }

    @Test func datagramRepliesAreBareICMPWithAnyIdentifier() {
        let reply = echo(type: 0, id: 41609, seq: 7)
        #expect(
            EchoAnswer.parse(reply, family: AF_INET, withIPv4Header: false, identifier: nil)
                == .reply(seq: 7, length: 64, ttl: nil))
        let reply6 = echo(type: 129, id: 3, seq: 2, data: 13)
        #expect(
            EchoAnswer.parse(reply6, family: AF_INET6, withIPv4Header: false, identifier: nil)
                == .reply(seq: 2, length: 21, ttl: nil))
        // Our own request (seen on loopback) is not an answer.
        #expect(
            EchoAnswer.parse(echo(type: 8, id: 1, seq: 1), family: AF_INET, withIPv4Header: false, identifier: nil)
                == nil)
    }

    @Test func rawIPv4RepliesCarryTheTTLAndMustBeOurs() {
        let body = echo(type: 0, id: 0x1234, seq: 3)
        let packet = ipv4Header(ttl: 61, from: [10, 0, 0, 2], to: [10, 0, 0, 1], payload: body.count) + body
        #expect(
            EchoAnswer.parse(packet, family: AF_INET, withIPv4Header: true, identifier: 0x1234)
                == .reply(seq: 3, length: 64, ttl: 61))
        #expect(EchoAnswer.parse(packet, family: AF_INET, withIPv4Header: true, identifier: 0x4321) == nil)
    }

    @Test func errorsQuotingOurRequestGiveItsSequence() {
        let request = Array(echo(type: 8, id: 0x1234, seq: 5).prefix(8))
        let quoted = ipv4Header(ttl: 1, from: [10, 0, 0, 1], to: [10, 0, 9, 9], payload: 8) + request
        let error: [UInt8] = [3, 13, 0, 0, 0, 0, 0, 0] + quoted
        let packet = ipv4Header(ttl: 64, from: [10, 0, 0, 254], to: [10, 0, 0, 1], payload: error.count) + error
        #expect(
            EchoAnswer.parse(packet, family: AF_INET, withIPv4Header: true, identifier: 0x1234)
                == .error(seq: 5, type: 3, code: 13))
        #expect(EchoAnswer.parse(packet, family: AF_INET, withIPv4Header: true, identifier: 0x9999) == nil)

        let request6 = Array(echo(type: 128, id: 0x1234, seq: 6).prefix(8))
        var header6 = [UInt8](repeating: 0, count: 40)
        header6[0] = 0x60
        header6[6] = 58
        let error6: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0] + header6 + request6
        #expect(
            EchoAnswer.parse(error6, family: AF_INET6, withIPv4Header: false, identifier: 0x1234)
                == .error(seq: 6, type: 3, code: 0))
        // The error queue hands back the request itself.
        #expect(EchoAnswer.quotedRequestSequence(request[...], family: AF_INET, identifier: nil) == 5)
    }

    @Test func errorNamesFollowPSchedulersEnum() {
        #expect(EchoAnswer.errorName(family: AF_INET, type: 3, code: 1) == "host-unreachable")
        #expect(EchoAnswer.errorName(family: AF_INET, type: 3, code: 13) == "communication-administratively-prohibited")
        #expect(EchoAnswer.errorName(family: AF_INET, type: 11, code: 0) == nil)
        #expect(EchoAnswer.errorName(family: AF_INET, type: 3, code: 16) == nil)
        #expect(EchoAnswer.errorName(family: AF_INET6, type: 1, code: 0) == "net-unreachable")
        #expect(EchoAnswer.errorName(family: AF_INET6, type: 3, code: 0) == nil)
    }

    @Test func ttlComesFromItsControlMessage() {
        func cmsg(level: Int32, type: Int32, value: Int32) -> [UInt8] {
            var bytes = withUnsafeBytes(of: 20) { Array($0) }  // cmsg_len: 16-byte header + 4
            bytes += withUnsafeBytes(of: level) { Array($0) } + withUnsafeBytes(of: type) { Array($0) }
            bytes += withUnsafeBytes(of: value) { Array($0) }
            return bytes + [0, 0, 0, 0]  // padding to 8
        }
        let control = cmsg(level: 0, type: 1, value: 0xb8) + cmsg(level: 0, type: 2, value: 63)
        #expect(ControlMessage.int32(in: control[...], level: 0, type: 2) == 63)
        #expect(ControlMessage.int32(in: control[...], level: 41, type: 52) == nil)
    }
}
