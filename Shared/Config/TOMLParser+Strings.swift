extension TOMLParser {
    /// Parses `"..."` or `"""..."""`, resolving escapes.
    mutating func parseBasicString(multiline: Bool) throws(TOMLError) -> String {
        let start = pos
        pos += multiline ? 3 : 1
        if multiline { _ = try consumeNewline() }  // a newline right after the opening quotes is trimmed
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw TOMLError(line: line(at: start), message: "unterminated string")
            }
            switch byte {
            case UInt8(ascii: "\""):
                if try closeQuotes(UInt8(ascii: "\""), multiline: multiline, into: &out) {
                    return String(decoding: out, as: UTF8.self)
                }
            case UInt8(ascii: "\\"):
                try parseEscape(multiline: multiline, into: &out)
            default:
                try appendPlain(byte, multiline: multiline, into: &out)
            }
        }
    }

    /// Parses `'...'` or `'''...'''`: everything up to the closing quote is taken literally.
    mutating func parseLiteralString(multiline: Bool) throws(TOMLError) -> String {
        let start = pos
        pos += multiline ? 3 : 1
        if multiline { _ = try consumeNewline() }
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw TOMLError(line: line(at: start), message: "unterminated string")
            }
            if byte == UInt8(ascii: "'") {
                if try closeQuotes(UInt8(ascii: "'"), multiline: multiline, into: &out) {
                    return String(decoding: out, as: UTF8.self)
                }
            } else {
                try appendPlain(byte, multiline: multiline, into: &out)
            }
        }
    }

    /// Handles a run of quote characters; returns true when it closed the string.
    ///
    /// In multi-line strings up to two quotes may sit right before the closing three (`""""a"""""`),
    /// so the whole run is measured before deciding which quotes are content.
    private mutating func closeQuotes(_ quote: UInt8, multiline: Bool, into out: inout [UInt8]) throws(TOMLError)
        -> Bool
    {
        guard multiline else {
            pos += 1
            return true
        }
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            out.append(contentsOf: repeatElement(quote, count: run))
            pos += run
            return false
        }
        guard run <= 5 else { throw error("too many quotes at the end of a multi-line string") }
        out.append(contentsOf: repeatElement(quote, count: run - 3))
        pos += run
        return true
    }

    /// Copies one ordinary byte, enforcing the rules on line breaks and control characters.
    private mutating func appendPlain(_ byte: UInt8, multiline: Bool, into out: inout [UInt8]) throws(TOMLError) {
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            guard multiline else { throw error("unterminated string: line break before the closing quote") }
            _ = try consumeNewline()
            // Line breaks are normalised to \n so values do not depend on the editor that wrote the file.
            out.append(UInt8(ascii: "\n"))
            return
        }
        if isForbiddenControl(byte) {
            throw error("control character \(hex(byte)) must be escaped in a string")
        }
        out.append(byte)
        pos += 1
    }

    private mutating func parseEscape(multiline: Bool, into out: inout [UInt8]) throws(TOMLError) {
        pos += 1
        guard let escaped = peek() else { throw error("unterminated string") }
        let simple: UInt8? =
            switch escaped {
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "t"): 0x09
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            default: nil
            }
        if let simple {
            out.append(simple)
            pos += 1
            return
        }
        switch escaped {
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = escaped == UInt8(ascii: "u") ? 4 : 8
            pos += 1
            try appendUnicodeEscape(digits: count, into: &out)
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            guard multiline else { throw error("invalid escape sequence '\\\(describeEscaped(escaped))' in string") }
            try skipLineEndingBackslash()
        default:
            throw error("invalid escape sequence '\\\(describeEscaped(escaped))' in string")
        }
    }

    /// A backslash ending a line in `"""` strings removes the line break and the next line's indentation.
    private mutating func skipLineEndingBackslash() throws(TOMLError) {
        skipWhitespace()
        guard try consumeNewline() else {
            throw error("a backslash followed by spaces must end the line in a multi-line string")
        }
        while true {
            skipWhitespace()
            guard try consumeNewline() else { return }
        }
    }

    private mutating func appendUnicodeEscape(digits count: Int, into out: inout [UInt8]) throws(TOMLError) {
        let start = pos
        var code: UInt32 = 0
        for _ in 0..<count {
            guard let byte = peek(), let digit = hexValue(byte) else {
                throw error("expected \(count) hex digits in unicode escape")
            }
            code = code << 4 | digit
            pos += 1
        }
        guard let scalar = Unicode.Scalar(code) else {
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            throw TOMLError(
                line: line(at: start),
                message: "escape '\\\(count == 4 ? "u" : "U")\(text)' is not a valid unicode scalar")
        }
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func describeEscaped(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(Character(Unicode.Scalar(byte))) : hex(byte)
    }
}
