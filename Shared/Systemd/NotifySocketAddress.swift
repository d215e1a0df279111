#if canImport(Glibc)
    import Glibc
#endif

/// An address as `$NOTIFY_SOCKET` spells it: a filesystem path, or with a leading `@` a Linux
/// abstract socket name (the `@` stands for the NUL byte that starts the kernel's name).
/// ``SystemdNotifier`` sends to it; the tests' fake notify socket binds it, so both agree byte for
/// byte by construction.
///
/// ```swift
/// let address = NotifySocketAddress("@fathom-test")!
/// address.withSockaddr { addr, length in bind(fd, addr, length) }
/// ```
public struct NotifySocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The bytes of `sun_path` that matter: the path, or NUL followed by the abstract name.
    let pathBytes: [UInt8]
    public let description: String

    /// nil for anything systemd would not hand us (empty, relative, too long for `sun_path`).
    public init?(_ text: String) {
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        if text.hasPrefix("@") {
            let bytes = [0] + Array(text.utf8.dropFirst())
            // Abstract names are length-delimited, so they may fill sun_path completely.
            guard bytes.count > 1, bytes.count <= capacity else { return nil }
            pathBytes = bytes
        } else {
            let bytes = Array(text.utf8)
            // A path needs room for its terminating NUL.
            guard bytes.first == UInt8(ascii: "/"), bytes.count < capacity, !bytes.contains(0) else { return nil }
            pathBytes = bytes
        }
        description = text
    }

    public var isAbstract: Bool { pathBytes.first == 0 }

    /// Calls `body` with this address as a `sockaddr` and its exact length. An abstract name's length
    /// counts no trailing NUL: the kernel compares all `length` bytes, so a stray NUL would name a
    /// different socket than systemd's.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: pathBytes) }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = offset + pathBytes.count + (isAbstract ? 0 : 1)
        return try withUnsafePointer(to: &addr) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(length)) }
        }
    }
}
