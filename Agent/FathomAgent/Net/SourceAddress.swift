import Glibc

/// The local address the kernel would send from toward a destination: a UDP socket is
/// connected (no packet leaves) and asked for its name. esmond records it as the `source`.
///
/// ```swift
/// let dest = try IPSocketAddress.resolve("10.10.2.2")
/// SourceAddress.toward(dest)   // "10.10.1.2"
/// ```
public enum SourceAddress {
    public static func toward(_ dest: IPSocketAddress) -> String? {
        let fd = socket(dest.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let target = dest.port == 0 ? dest.with(port: 9) : dest
        let connected = target.withSockaddr { address, length in connect(fd, address, length) }
        guard connected == 0 else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return withUnsafeBytes(of: &storage) {
            IPSocketAddress.numericHost(sockaddr: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(length))))
        }
    }
}
