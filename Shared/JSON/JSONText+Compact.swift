extension JSONText {
    /// The document with the whitespace between tokens removed and every other byte unchanged,
    /// so a pretty-printed object is stored as one line (a torn line is then a torn object the
    /// day-file repair can see) without re-serialising numbers or strings.
    ///
    /// `bytes` must already have passed ``parse(_:)``; string contents, escapes included, are kept.
    ///
    /// ```swift
    /// JSONText.compacted(Array("{ \"a\" : [1, \"b c\"] }\n".utf8))  // {"a":[1,"b c"]}
    /// ```
    public static func compacted(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            default:
                out.append(byte)
            }
        }
        return out
    }
}
