/// esmond's path-segment escaping ("atencode", esmond/util.py): every byte but `a-z`, `A-Z`, `0-9`,
/// `_`, `.`, `-` becomes `@XX` (upper-case hex), so `xe-0/0/0` is `xe-0@2F0@2F0`. esmond's own
/// list misspells `Y` (escaping it); we keep `Y` literal, which its decoder reads the same.
///
/// ```swift
/// AtEncoding.encode("xe-0/0/0")      // "xe-0@2F0@2F0"
/// AtEncoding.decode("xe-0@2F0@2F0")  // "xe-0/0/0"
/// ```
public enum AtEncoding {
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let safe =
                (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5f || byte == 0x2e || byte == 0x2d
            if safe {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "@" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `@XX` sequences back to their bytes; anything else (a lone `@`) is kept as it is.
    public static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "@"), i + 2 < input.count,
                let value = UInt8(String(decoding: input[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                i += 3
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
