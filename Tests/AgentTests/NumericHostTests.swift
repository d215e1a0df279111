import Glibc
import Testing

@testable import FathomAgent

/// Hop addresses are written as `inet_ntop` writes them: IPv4 by the agent's own formatter,
/// checked here against glibc's on the edge octets and on addresses drawn at random.
@Suite struct NumericHostTests {
    static func glibc(_ octets: [UInt8]) -> String {
        var addr = in_addr(
            s_addr: UInt32(octets[0]) | UInt32(octets[1]) << 8 | UInt32(octets[2]) << 16 | UInt32(octets[3]) << 24)
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        _ = inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static func sockaddrIn(_ octets: [UInt8]) -> String? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 33434
        address.sin_addr.s_addr =
            UInt32(octets[0]) | UInt32(octets[1]) << 8 | UInt32(octets[2]) << 16 | UInt32(octets[3]) << 24
        return withUnsafeBytes(of: &address) { IPSocketAddress.numericHost(sockaddr: $0) }
    }

    @Test func ipv4IsWrittenAsInetNtopWritesIt() {
        var generator = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [
            [0, 0, 0, 0], [255, 255, 255, 255], [10, 10, 3, 2], [100, 9, 99, 10], [1, 20, 200, 0],
        ]
        for _ in 0..<2000 { cases.append((0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }) }
        for octets in cases {
            #expect(Self.sockaddrIn(octets) == Self.glibc(octets), "\(octets)")
        }
    }

    @Test func ipv6AndOtherFamilies() {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr.__in6_u.__u6_addr8.15 = 1
        #expect(withUnsafeBytes(of: &address) { IPSocketAddress.numericHost(sockaddr: $0) } == "::1")
        var unix = sockaddr_un()
        unix.sun_family = sa_family_t(AF_UNIX)
        #expect(withUnsafeBytes(of: &unix) { IPSocketAddress.numericHost(sockaddr: $0) } == nil)
    }
}
