/// Recursive-descent TOML 1.0 parser over the document's UTF-8 bytes.
///
/// Works on bytes rather than `Character`s because every TOML delimiter is ASCII, and byte indices
/// keep it fast and simple; multi-byte text is copied through untouched. Line numbers are computed
/// only when an error is raised, so the happy path does no bookkeeping.
struct TOMLParser {
    let bytes: [UInt8]
    var pos = 0
    /// Nesting of arrays and inline tables, bounded so hostile input cannot overflow the stack.
    var depth = 0
    static let maxDepth = 100

    init(_ text: String) {
        bytes = Array(text.utf8)
        // A UTF-8 byte order mark carries no meaning for TOML; editors on some systems add one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    // MARK: - Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = TOMLTableBuilder(origin: .header)
        var current = root
        var currentPath: [String] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try expectLineEnd(after: "comment")
            case UInt8(ascii: "["):
                (current, currentPath) = try parseHeader(root: root)
            default:
                let start = pos
                let (key, value) = try parseKeyValue()
                do {
                    try current.assign(key, value, prefix: currentPath)
                } catch {
                    throw TOMLError(line: line(at: start), message: error.message)
                }
                try expectLineEnd(after: "value of '\(TOMLKeyPath.display(currentPath + key))'")
            }
        }
        return root.build()
    }

    /// Parses `[a.b]` or `[[a.b]]` and returns the table that following key/value lines fill, with its path.
    private mutating func parseHeader(root: TOMLTableBuilder) throws(TOMLError) -> (TOMLTableBuilder, [String]) {
        let start = pos
        pos += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { pos += 1 }
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        let name = TOMLKeyPath.display(path)
        if isArray {
            guard peek() == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
                if peek() == UInt8(ascii: "]") { pos += 1 }  // point past the lone ']' at what is missing
                throw error("expected ']]' to close [[\(name)]], found \(describeNext())")
            }
            pos += 2
        } else {
            guard peek() == UInt8(ascii: "]") else {
                throw error("expected ']' to close [\(name)], found \(describeNext())")
            }
            pos += 1
        }
        try expectLineEnd(after: isArray ? "[[\(name)]]" : "[\(name)]")
        do {
            return (isArray ? try root.appendTable(path) : try root.defineTable(path), path)
        } catch {
            throw TOMLError(line: line(at: start), message: error.message)
        }
    }

    /// Parses `key = value`, used both at line level and inside inline tables.
    mutating func parseKeyValue() throws(TOMLError) -> ([String], TOMLValue) {
        let key = try parseKey()
        skipWhitespace()
        let name = TOMLKeyPath.display(key)
        guard peek() == UInt8(ascii: "=") else {
            throw error("expected '=' after key '\(name)', found \(describeNext())")
        }
        pos += 1
        skipWhitespace()
        let value = try parseValue(for: "key '\(name)'")
        return (key, value)
    }

    /// Parses a possibly dotted key: `a`, `"quoted key"`, `'literal'`, `a . "b" . c`.
    mutating func parseKey() throws(TOMLError) -> [String] {
        var path: [String] = []
        while true {
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: "\"")?:
                if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                    throw error("multi-line strings cannot be used as keys")
                }
                path.append(try parseBasicString(multiline: false))
            case UInt8(ascii: "'")?:
                if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                    throw error("multi-line strings cannot be used as keys")
                }
                path.append(try parseLiteralString(multiline: false))
            case let byte? where TOMLKeyPath.isBareKeyByte(byte):
                let start = pos
                while let next = peek(), TOMLKeyPath.isBareKeyByte(next) { pos += 1 }
                path.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            default:
                if path.isEmpty { throw error("expected a key, found \(describeNext())") }
                throw error("expected a key after '\(TOMLKeyPath.display(path)).', found \(describeNext())")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return path }
            pos += 1
        }
    }

    // MARK: - Whitespace, comments, line ends

    mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { pos += 1 }
    }

    /// Skips a `#` comment up to (not including) the line break.
    mutating func skipComment() throws(TOMLError) {
        guard peek() == UInt8(ascii: "#") else { return }
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r") {
                if peek(1) == UInt8(ascii: "\n") { return }
                throw error("carriage return must be followed by a newline")
            }
            if isForbiddenControl(byte) { throw error("control character \(hex(byte)) is not allowed in a comment") }
            pos += 1
        }
    }

    /// Consumes a line break (`\n` or `\r\n`); returns false, consuming nothing, if there is none.
    mutating func consumeNewline() throws(TOMLError) -> Bool {
        switch peek() {
        case UInt8(ascii: "\n")?:
            pos += 1
            return true
        case UInt8(ascii: "\r")?:
            guard peek(1) == UInt8(ascii: "\n") else { throw error("carriage return must be followed by a newline") }
            pos += 2
            return true
        default:
            return false
        }
    }

    /// After a complete statement only whitespace, a comment and the line break may follow.
    mutating func expectLineEnd(after what: String) throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        if peek() == nil { return }
        if try consumeNewline() { return }
        throw error("expected end of line after \(what), found \(describeNext())")
    }

    /// Skips whitespace, line breaks and comments, as allowed between array elements.
    mutating func skipTrivia() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            guard try consumeNewline() else { return }
        }
    }

    // MARK: - Low-level helpers

    func peek(_ offset: Int = 0) -> UInt8? {
        pos + offset < bytes.count ? bytes[pos + offset] : nil
    }

    func line(at position: Int) -> Int {
        var line = 1
        for byte in bytes[..<min(position, bytes.count)] where byte == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    func error(_ message: String) -> TOMLError {
        TOMLError(line: line(at: pos), message: message)
    }

    /// Names the next character for messages: `'x'`, `newline`, `end of file`.
    func describeNext() -> String {
        guard let byte = peek() else { return "end of file" }
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "end of line"
        case 0x21..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x80...:
            // Show the whole (possibly multi-byte) character rather than a lone lead byte.
            var end = pos + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'\(String(decoding: bytes[pos..<end], as: UTF8.self))'"
        default: return hex(byte)
        }
    }

    func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Control characters TOML forbids in comments and strings; tab is the one allowed.
    func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }
}
