/// A cluster or host name checked to be safe as one path component under the data directory.
///
/// Allowed: 1–253 bytes of ASCII letters, digits, `.`, `-`, `_`; not starting with `.` or `-`.
/// That admits every real host name and FQDN, and rejects `..`, `/`, NUL, spaces and empty names.
public struct StorageName: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public var description: String { value }

    public static let maxLength = 253

    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxLength,
            bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-")
        else { return nil }
        for b in bytes {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            default:
                return nil
            }
        }
        value = String(text)
    }
}
