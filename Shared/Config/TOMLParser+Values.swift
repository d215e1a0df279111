extension TOMLParser {
    /// Parses any value; `context` names what the value belongs to, for the error message.
    mutating func parseValue(for context: String) throws(TOMLError) -> TOMLValue {
        guard let byte = peek() else { throw error("expected a value for \(context), found end of file") }
        switch byte {
        case UInt8(ascii: "\""):
            let multiline = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
            return .string(try parseBasicString(multiline: multiline))
        case UInt8(ascii: "'"):
            let multiline = peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
            return .string(try parseLiteralString(multiline: multiline))
        case UInt8(ascii: "["):
            return try nested { (parser: inout TOMLParser) throws(TOMLError) in try parser.parseArray() }
        case UInt8(ascii: "{"):
            return try nested { (parser: inout TOMLParser) throws(TOMLError) in try parser.parseInlineTable() }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return try parseBoolean(for: context)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "i"), UInt8(ascii: "n"):
            return try parseNumberOrDate(for: context)
        default:
            throw unquotedWord(for: context)
        }
    }

    /// The error for a bare word where a value belongs, usually a string someone forgot to quote.
    func unquotedWord(for context: String) -> TOMLError {
        var end = pos
        while end < bytes.count, TOMLKeyPath.isBareKeyByte(bytes[end]) { end += 1 }
        guard end > pos else { return error("expected a value for \(context), found \(describeNext())") }
        let word = String(decoding: bytes[pos..<end], as: UTF8.self)
        return error("expected a value for \(context), found '\(word)' (strings must be quoted)")
    }

    /// Runs `body` one nesting level deeper, refusing absurd depths instead of overflowing the stack.
    private mutating func nested(
        _ body: (inout TOMLParser) throws(TOMLError) -> TOMLValue
    ) throws(TOMLError) -> TOMLValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw error("arrays and inline tables nested more than \(Self.maxDepth) deep")
        }
        return try body(&self)
    }

    private mutating func parseArray() throws(TOMLError) -> TOMLValue {
        pos += 1
        var elements: [TOMLValue] = []
        while true {
            try skipTrivia()
            if peek() == UInt8(ascii: "]") {
                pos += 1
                return .array(elements)
            }
            elements.append(try parseValue(for: "array element"))
            try skipTrivia()
            switch peek() {
            case UInt8(ascii: ",")?:
                pos += 1
            case UInt8(ascii: "]")?:
                pos += 1
                return .array(elements)
            default:
                throw error("expected ',' or ']' after array element, found \(describeNext())")
            }
        }
    }

    /// Inline tables follow TOML 1.0: one line, no trailing comma, closed once written.
    private mutating func parseInlineTable() throws(TOMLError) -> TOMLValue {
        pos += 1
        let table = TOMLTableBuilder(origin: .inline)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            pos += 1
            return .table(table.build())
        }
        while true {
            skipWhitespace()
            let start = pos
            let (key, value) = try parseKeyValue()
            do {
                try table.assign(key, value)
            } catch {
                throw TOMLError(line: line(at: start), message: error.message)
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ",")?:
                pos += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") { throw error("trailing comma is not allowed in an inline table") }
            case UInt8(ascii: "}")?:
                pos += 1
                return .table(table.build())
            case UInt8(ascii: "\n")?, UInt8(ascii: "\r")?:
                throw error("inline table must be on a single line; use a [table] section for longer tables")
            default:
                throw error("expected ',' or '}' in inline table, found \(describeNext())")
            }
        }
    }

    private mutating func parseBoolean(for context: String) throws(TOMLError) -> TOMLValue {
        for (word, value) in [("true", true), ("false", false)] where matches(word) {
            pos += word.utf8.count
            return .boolean(value)
        }
        throw unquotedWord(for: context)
    }

    /// True when `word` is next and is not merely the prefix of a longer bare word.
    private func matches(_ word: String) -> Bool {
        let count = word.utf8.count
        guard bytes[pos...].starts(with: word.utf8) else { return false }
        guard let after = peek(count) else { return true }
        return !TOMLKeyPath.isBareKeyByte(after) && after != UInt8(ascii: ".")
    }

    private mutating func parseNumberOrDate(for context: String) throws(TOMLError) -> TOMLValue {
        if isDigits(at: 0, count: 4), peek(4) == UInt8(ascii: "-") { return try parseDateTime() }
        if isDigits(at: 0, count: 2), peek(2) == UInt8(ascii: ":") {
            let start = pos
            try parseTime()
            return .string(String(decoding: bytes[start..<pos], as: UTF8.self))
        }
        let start = pos
        while let byte = peek(), isNumberByte(byte) { pos += 1 }
        let token = String(decoding: bytes[start..<pos], as: UTF8.self)
        if let first = token.utf8.first, first >= UInt8(ascii: "a"), token != "inf", token != "nan" {
            pos = start
            throw unquotedWord(for: context)
        }
        switch TOMLNumber.parse(token) {
        case .success(let value):
            return value
        case .failure(let problem):
            throw TOMLError(line: line(at: start), message: problem.message(token: token, context: context))
        }
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        TOMLKeyPath.isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
    }

    func isDigits(at offset: Int, count: Int) -> Bool {
        (offset..<offset + count).allSatisfy { peek($0).map(isDigit) ?? false }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Reads `count` digits as a number; the caller has checked they are digits.
    private mutating func readDigits(_ count: Int) -> Int {
        var value = 0
        for _ in 0..<count {
            value = value * 10 + Int(bytes[pos] - UInt8(ascii: "0"))
            pos += 1
        }
        return value
    }

    /// Offset date-time, local date-time or local date, kept verbatim as a string.
    private mutating func parseDateTime() throws(TOMLError) -> TOMLValue {
        let start = pos
        let year = readDigits(4)
        pos += 1
        guard isDigits(at: 0, count: 2), peek(2) == UInt8(ascii: "-"), isDigits(at: 3, count: 2) else {
            throw error("invalid date: expected YYYY-MM-DD")
        }
        let month = readDigits(2)
        pos += 1
        let day = readDigits(2)
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw TOMLError(line: line(at: start), message: "invalid date: month or day out of range")
        }
        let separator = peek()
        let timeFollows =
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
            || (separator == UInt8(ascii: " ") && isDigits(at: 1, count: 2) && peek(3) == UInt8(ascii: ":"))
        if timeFollows {
            pos += 1
            try parseTime()
            try parseOffset()
        }
        return .string(String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    /// `HH:MM:SS` with optional fraction; seconds are required in TOML 1.0.
    private mutating func parseTime() throws(TOMLError) {
        guard isDigits(at: 0, count: 2), peek(2) == UInt8(ascii: ":"), isDigits(at: 3, count: 2),
            peek(5) == UInt8(ascii: ":"), isDigits(at: 6, count: 2)
        else { throw error("invalid time: expected HH:MM:SS") }
        let hour = readDigits(2)
        pos += 1
        let minute = readDigits(2)
        pos += 1
        let second = readDigits(2)
        // 60 allows a leap second, as RFC 3339 does.
        guard hour < 24, minute < 60, second <= 60 else {
            throw error("invalid time: hour, minute or second out of range")
        }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard isDigits(at: 0, count: 1) else { throw error("invalid time: expected digits after '.'") }
            while let byte = peek(), isDigit(byte) { pos += 1 }
        }
    }

    private mutating func parseOffset() throws(TOMLError) {
        switch peek() {
        case UInt8(ascii: "Z")?, UInt8(ascii: "z")?:
            pos += 1
        case UInt8(ascii: "+")?, UInt8(ascii: "-")?:
            guard isDigits(at: 1, count: 2), peek(3) == UInt8(ascii: ":"), isDigits(at: 4, count: 2) else {
                throw error("invalid time offset: expected +HH:MM")
            }
            pos += 1
            let hours = readDigits(2)
            pos += 1
            let minutes = readDigits(2)
            guard hours < 24, minutes < 60 else { throw error("invalid time offset: out of range") }
        default:
            break
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
