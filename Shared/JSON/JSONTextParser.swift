/// A strict JSON (RFC 8259) parser producing ``JSONValue``.
///
/// Foundation's decoder reads `25.0` as an integer when asked for one, but esmond stores
/// `str(25.0)` = `"25.0"` and free-parameter filters match that exact text, so the archive keeps
/// the number's written form: a fraction or exponent makes a float. Depth is capped so a hostile
/// body cannot exhaust the stack. What RFC 8259 leaves to the implementation is refused, so no
/// two readers can see different documents: duplicate object keys, numbers that are not finite
/// as a Double (`1e309`), and bytes that are not UTF-8.
///
/// ```swift
/// try JSONTextParser.parse(Array("[1, 2.0]".utf8))  // .array([.integer(1), .number(2.0)])
/// ```
struct JSONTextParser {
    static let maxDepth = 256
    let bytes: [UInt8]
    var index = 0

    static func parse(_ bytes: [UInt8]) throws(JSONText.ParseError) -> JSONValue {
        var parser = JSONTextParser(bytes: bytes)
        if let bad = UTF8Check.firstInvalidOffset(bytes) {
            parser.index = bad
            throw parser.failure("invalid UTF-8")
        }
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the document") }
        return value
    }

    func failure(_ what: String) -> JSONText.ParseError {
        JSONText.ParseError(description: "\(what) at byte \(index)")
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ literal: String, _ value: JSONValue) throws(JSONText.ParseError) -> JSONValue {
        let want = Array(literal.utf8)
        guard index + want.count <= bytes.count, Array(bytes[index..<index + want.count]) == want else {
            throw failure("invalid literal")
        }
        index += want.count
        return value
    }

    mutating func value(depth: Int) throws(JSONText.ParseError) -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nesting too deep") }
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        default: return try number()
        }
    }

    mutating func object(depth: Int) throws(JSONText.ParseError) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            let keyEnd = index
            index += 1
            skipSpace()
            guard members.updateValue(try value(depth: depth + 1), forKey: key) == nil else {
                index = keyEnd
                throw failure("duplicate key \"\(key.prefix(64))\"")
            }
            skipSpace()
            guard index < bytes.count else { throw failure("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            } else {
                throw failure("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONText.ParseError) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard index < bytes.count else { throw failure("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            } else {
                throw failure("expected ',' or ']'")
            }
        }
    }

    mutating func string() throws(JSONText.ParseError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        var out = ""
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                out += String(decoding: bytes[run..<index], as: UTF8.self)
                index += 1
                out.unicodeScalars.append(contentsOf: scalars)
                return out
            }
            if byte < 0x20 { throw failure("control character in string") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            out += String(decoding: bytes[run..<index], as: UTF8.self)
            out.unicodeScalars.append(contentsOf: scalars)
            scalars = String.UnicodeScalarView()
            index += 1
            guard index < bytes.count else { throw failure("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out += "\""
            case UInt8(ascii: "\\"): out += "\\"
            case UInt8(ascii: "/"): out += "/"
            case UInt8(ascii: "b"): out += "\u{08}"
            case UInt8(ascii: "f"): out += "\u{0C}"
            case UInt8(ascii: "n"): out += "\n"
            case UInt8(ascii: "r"): out += "\r"
            case UInt8(ascii: "t"): out += "\t"
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    // Only a low surrogate completes the pair; anything else is read as its own
                    // escape and the lone high surrogate becomes U+FFFD (found by the fuzz test:
                    // "\ud800\u0041" overflowed the arithmetic and trapped).
                    let next = index
                    index += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index = next
                    }
                }
                out.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: throw failure("invalid escape")
            }
            run = index
        }
    }

    mutating func hex4() throws(JSONText.ParseError) -> UInt32 {
        guard index + 4 <= bytes.count,
            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw failure("invalid \\u escape") }
        index += 4
        return code
    }

    mutating func number() throws(JSONText.ParseError) -> JSONValue {
        let start = index
        var isFloat = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count {
            let b = bytes[index]
            if b >= 0x30 && b <= 0x39 {
                index += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                || ((b == UInt8(ascii: "+") || b == UInt8(ascii: "-")) && isFloat)
            {
                isFloat = true
                index += 1
            } else {
                break
            }
        }
        guard index > digitsStart else { throw failure("unexpected character") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if !isFloat, let integer = Int64(text) { return .integer(integer) }
        guard let real = Double(text) else { throw failure("invalid number") }
        guard real.isFinite else { throw failure("number out of range") }
        return .number(real)
    }
}
