import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// ``LinkTable`` over rtnetlink: one `RTM_GETLINK` dump on a `NETLINK_ROUTE` socket, read until
/// `NLMSG_DONE`. Each answer is an `ifinfomsg` followed by attributes, of which it reads the name,
/// MTU, address, operstate, alias and `IFLA_STATS64` (`struct rtnl_link_stats64`, the counters
/// /sys/class/net/<if>/statistics shows). Any error answers nil, never a partial table. A second
/// dump, `RTM_GETADDR` for IPv4, gives each link its first address (none when that dump fails).
///
/// ```swift
/// let entries = NetlinkLinkTable().links() ?? []
/// ```
public struct NetlinkLinkTable: LinkTable {
    public init() {}

    // linux/netlink.h, linux/rtnetlink.h, linux/if_link.h
    static let netlinkRoute: Int32 = 0
    static let getLink: UInt16 = 18  // RTM_GETLINK
    static let newLink: UInt16 = 16  // RTM_NEWLINK
    static let getAddress: UInt16 = 22  // RTM_GETADDR
    static let newAddress: UInt16 = 20  // RTM_NEWADDR
    static let addressHeaderSize = 8  // struct ifaddrmsg
    static let done: UInt16 = 3  // NLMSG_DONE
    static let error: UInt16 = 2  // NLMSG_ERROR
    static let request: UInt16 = 0x1
    static let dump: UInt16 = 0x300  // NLM_F_ROOT | NLM_F_MATCH
    static let headerSize = 16  // struct nlmsghdr
    static let infoSize = 16  // struct ifinfomsg

    enum Attribute: UInt16 {
        case address = 1
        case name = 3
        case mtu = 4
        case operState = 16
        case alias = 20
        case stats64 = 23
    }

    /// IF_OPER_* to the names the kernel writes in /sys/class/net/<if>/operstate.
    static let operStates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"]

    public func links() -> [LinkEntry]? {
        guard var entries = Self.dump(type: Self.getLink, familyHeader: Self.infoSize, parse: Self.entry) else {
            return nil
        }
        // esmond keeps one IPv4 address per interface: the first the kernel lists.
        let addresses =
            Self.dump(type: Self.getAddress, familyHeader: Self.addressHeaderSize, parse: Self.address) ?? []
        var first: [Int: String] = [:]
        for (index, address) in addresses where first[index] == nil { first[index] = address }
        for i in entries.indices { entries[i].ipv4Address = first[entries[i].index] }
        return entries
    }

    /// One dump request (`type`, address family AF_INET for addresses, any for links), each answer
    /// message's payload handed to `parse`; nil on any error.
    static func dump<T>(type: UInt16, familyHeader: Int, parse: ([UInt8], Int, Int) -> T?) -> [T]? {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Self.netlinkRoute)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var message = [UInt8](repeating: 0, count: Self.headerSize + familyHeader)
        Self.put(UInt32(message.count), at: 0, in: &message)
        Self.put(type, at: 4, in: &message)
        Self.put(Self.request | Self.dump, at: 6, in: &message)
        Self.put(UInt32(1), at: 8, in: &message)  // sequence number
        message[Self.headerSize] = UInt8(type == Self.getAddress ? AF_INET : AF_UNSPEC)
        // No address: an unconnected netlink socket sends to the kernel (port 0).
        guard send(fd, message, message.count, 0) == message.count else { return nil }
        var results: [T] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            var offset = 0
            while offset + Self.headerSize <= n {
                let length = Int(Self.read(UInt32.self, at: offset, in: buffer))
                let kind = Self.read(UInt16.self, at: offset + 4, in: buffer)
                guard length >= Self.headerSize, offset + length <= n else { return nil }
                switch kind {
                case Self.done: return results
                case Self.error: return nil
                case Self.newLink, Self.newAddress:
                    if let result = parse(buffer, offset + Self.headerSize, offset + length) { results.append(result) }
                default: break
                }
                offset += (length + 3) & ~3
            }
        }
    }

    /// One `RTM_NEWADDR` payload (AF_INET): the link index and `IFA_LOCAL` (else `IFA_ADDRESS`).
    static func address(_ b: [UInt8], from start: Int, to end: Int) -> (Int, String)? {
        guard start + addressHeaderSize <= end, b[start] == UInt8(AF_INET) else { return nil }
        let index = Int(read(UInt32.self, at: start + 4, in: b))
        var local: String?
        var address: String?
        var at = start + addressHeaderSize
        while at + 4 <= end {
            let length = Int(read(UInt16.self, at: at, in: b))
            let type = read(UInt16.self, at: at + 2, in: b)
            guard length >= 4, at + length <= end else { break }
            if length == 8 && (type == 1 || type == 2) {
                let text = b[(at + 4)..<(at + 8)].map(String.init).joined(separator: ".")
                if type == 2 { local = text } else { address = text }
            }
            at += (length + 3) & ~3
        }
        return (local ?? address).map { (index, $0) }
    }

    /// One `RTM_NEWLINK` payload: the `ifinfomsg`, then its attributes.
    static func entry(_ b: [UInt8], from start: Int, to end: Int) -> LinkEntry? {
        guard start + infoSize <= end else { return nil }
        let index = Int(read(Int32.self, at: start + 4, in: b))
        let flags = read(UInt32.self, at: start + 8, in: b)
        var name: String?
        var mtu = 0
        var address: String?
        var operState = "unknown"
        var alias = ""
        var counters = InterfaceRecord.Counters()
        var at = start + infoSize
        while at + 4 <= end {
            let length = Int(read(UInt16.self, at: at, in: b))
            let type = read(UInt16.self, at: at + 2, in: b) & 0x3fff
            guard length >= 4, at + length <= end else { break }
            let value = (at + 4)..<(at + length)
            switch Attribute(rawValue: type) {
            case .name: name = string(b[value])
            case .alias: alias = string(b[value])
            case .mtu where value.count >= 4: mtu = Int(read(UInt32.self, at: value.lowerBound, in: b))
            case .operState where value.count >= 1:
                operState =
                    Int(b[value.lowerBound]) < operStates.count ? operStates[Int(b[value.lowerBound])] : "unknown"
            case .address where !value.isEmpty:
                address = b[value].map { byte in
                    let hex = Array("0123456789abcdef".utf8)
                    return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]], as: UTF8.self)
                }.joined(separator: ":")
            case .stats64 where value.count >= 64:
                // rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped
                let s = (0..<8).map { read(UInt64.self, at: value.lowerBound + 8 * $0, in: b) }
                counters.rxPackets = s[0]
                counters.txPackets = s[1]
                counters.rxBytes = s[2]
                counters.txBytes = s[3]
                counters.rxErrors = s[4]
                counters.txErrors = s[5]
                counters.rxDropped = s[6]
                counters.txDropped = s[7]
            default: break
            }
            at += (length + 3) & ~3
        }
        guard let name else { return nil }
        return LinkEntry(
            name: name, index: index, flags: flags, operState: operState, mtu: mtu, address: address, alias: alias,
            counters: counters)
    }

    /// A NUL-terminated attribute string.
    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Netlink speaks host byte order; attributes are 4-byte aligned but u64s may not be 8-byte aligned.
    static func read<T: FixedWidthInteger>(_: T.Type, at offset: Int, in bytes: [UInt8]) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    static func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
    }
}
