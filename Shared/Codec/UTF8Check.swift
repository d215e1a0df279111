/// Finds the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), so a refusal can say where the bad byte is.
///
/// Stored lines and JSON documents are read later by tools that assume UTF-8; a byte that is not
/// would be replaced or refused there, long after the upload was acknowledged.
///
/// ```swift
/// UTF8Check.firstInvalidOffset([0x61, 0xC3, 0xA9])  // nil
/// UTF8Check.firstInvalidOffset([0x61, 0xFF])        // 1
/// ```
public enum UTF8Check {
    /// The offset (from the collection's start) of the first byte of the first ill-formed
    /// sequence, or nil when every byte is well-formed UTF-8.
    public static func firstInvalidOffset<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int? {
        var offset = 0
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let lead = bytes[index]
            if lead < 0x80 {
                index = bytes.index(after: index)
                offset += 1
                continue
            }
            let count: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: count = 1
            case 0xE0:
                count = 2
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED:
                count = 2
                high = 0x9F
            case 0xF0:
                count = 3
                low = 0x90
            case 0xF1...0xF3: count = 3
            case 0xF4:
                count = 3
                high = 0x8F
            default: return offset
            }
            var next = bytes.index(after: index)
            for k in 0..<count {
                guard next != bytes.endIndex else { return offset }
                let byte = bytes[next]
                if k == 0 {
                    guard byte >= low, byte <= high else { return offset }
                } else {
                    guard byte & 0xC0 == 0x80 else { return offset }
                }
                next = bytes.index(after: next)
            }
            index = next
            offset += count + 1
        }
        return nil
    }
}
