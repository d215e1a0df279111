import Glibc

/// One entry read from a socket's error queue (`recvmsg(MSG_ERRQUEUE)`): the kernel's
/// `struct sock_extended_err` plus the offender address that follows it.
///
/// Glibc does not import `<linux/errqueue.h>` and `CMSG_*` are macros, so the control buffer is
/// walked by hand here; keeping that pure makes it testable with synthetic bytes.
///
/// ```swift
/// if let entry = ErrorQueueEntry.parse(control: buffer) { print(entry.classify()) }
/// ```
public struct ErrorQueueEntry: Sendable, Equatable {
    /// `ee_origin` values from `linux/errqueue.h`.
    public enum Origin: UInt8, Sendable {
        case none = 0
        case local = 1
        case icmp = 2
        case icmp6 = 3
    }

    public var errno: UInt32
    public var origin: UInt8
    public var type: UInt8
    public var code: UInt8
    /// For "fragmentation needed" / "packet too big" / local EMSGSIZE: the MTU.
    public var info: UInt32
    /// Numeric address of the host that sent the ICMP error, when there is one.
    public var offender: String?

    public init(errno: UInt32, origin: UInt8, type: UInt8, code: UInt8, info: UInt32, offender: String?) {
        self.errno = errno
        self.origin = origin
        self.type = type
        self.code = code
        self.info = info
        self.offender = offender
    }

    // Levels/types of the error cmsg; spelled out because SOL_IP imports inconsistently.
    static let levelIP: Int32 = 0
    static let levelIPv6: Int32 = 41
    static let typeIPRecvErr: Int32 = 11
    static let typeIPv6RecvErr: Int32 = 25
    /// `sizeof(struct sock_extended_err)`.
    static let extendedErrSize = 16

    /// Finds the `IP_RECVERR` / `IPV6_RECVERR` cmsg in a control buffer and decodes it.
    public static func parse(control: [UInt8]) -> ErrorQueueEntry? {
        let headerSize = MemoryLayout<cmsghdr>.size
        var offset = 0
        while offset + headerSize <= control.count {
            let (length, level, type) = control.withUnsafeBytes { raw in
                (
                    raw.loadUnaligned(fromByteOffset: offset, as: Int.self),
                    raw.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self),
                    raw.loadUnaligned(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
                )
            }
            guard length >= headerSize, offset + length <= control.count else { return nil }
            let isError = (level == levelIP && type == typeIPRecvErr) || (level == levelIPv6 && type == typeIPv6RecvErr)
            if isError && length - headerSize >= extendedErrSize {
                return decode(Array(control[(offset + headerSize)..<(offset + length)]))
            }
            // Next header starts at the length rounded up to the word size (CMSG_NXTHDR).
            let align = MemoryLayout<Int>.size
            offset += (length + align - 1) / align * align
        }
        return nil
    }

    /// Decodes `sock_extended_err` followed by an optional `sockaddr_in` / `sockaddr_in6`.
    static func decode(_ data: [UInt8]) -> ErrorQueueEntry {
        data.withUnsafeBytes { raw in
            var entry = ErrorQueueEntry(
                errno: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self),
                origin: raw[4], type: raw[5], code: raw[6],
                info: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                offender: nil)
            let rest = UnsafeRawBufferPointer(rebasing: raw[extendedErrSize...])
            entry.offender = IPSocketAddress.numericHost(sockaddr: rest)
            return entry
        }
    }

    /// What this error means for the probe that caused it (the table in pscheduler.md §2.3).
    public func classify() -> ProbeReply {
        let ip = offender
        switch Origin(rawValue: origin) {
        case .local where errno == UInt32(EMSGSIZE):
            return .mtuExceeded(mtu: Int(info), from: nil)
        case .icmp:
            switch (type, code) {
            case (11, _): return .hop(ip: ip)
            case (3, 3): return .reached(ip: ip)
            case (3, 4): return .mtuExceeded(mtu: Int(info), from: ip)
            case (3, let c): return .unreachable(ip: ip, error: ICMPError.v4(code: c))
            default: return .unreachable(ip: ip, error: "icmp-type-\(type)-code-\(code)")
            }
        case .icmp6:
            switch (type, code) {
            case (3, _): return .hop(ip: ip)
            case (1, 4): return .reached(ip: ip)
            case (2, _): return .mtuExceeded(mtu: Int(info), from: ip)
            case (1, let c): return .unreachable(ip: ip, error: ICMPError.v6(code: c))
            default: return .unreachable(ip: ip, error: "icmp6-type-\(type)-code-\(code)")
            }
        default:
            return .localError(errno: Int32(bitPattern: errno))
        }
    }
}
