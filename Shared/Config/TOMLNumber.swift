/// Integer and float literals: decimal with `_` separators, `0x`/`0o`/`0b` integers, `inf` and `nan`.
enum TOMLNumber {
    /// Why a token is not a valid TOML number.
    enum Problem: Error {
        case malformed
        case leadingZero
        case outOfRange

        func message(token: String, context: String) -> String {
            switch self {
            case .malformed: return "invalid number '\(token)' for \(context)"
            case .leadingZero: return "leading zeros are not allowed in '\(token)' for \(context)"
            case .outOfRange: return "integer '\(token)' does not fit in 64 bits, for \(context)"
            }
        }
    }

    static func parse(_ token: String) -> Result<TOMLValue, Problem> {
        let utf8 = Array(token.utf8)
        let hasSign = utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-")
        let body = hasSign ? Array(utf8.dropFirst()) : utf8
        let negative = utf8.first == UInt8(ascii: "-")

        switch String(decoding: body, as: UTF8.self) {
        case "inf": return .success(.float(negative ? -.infinity : .infinity))
        case "nan": return .success(.float(.nan))
        default: break
        }

        if body.count > 2, body[0] == UInt8(ascii: "0"), let radix = radix(of: body[1]) {
            // Prefixed integers are unsigned in TOML, so a sign in front is an error.
            guard !hasSign, let digits = separatedDigits(body.dropFirst(2), radix: radix) else {
                return .failure(.malformed)
            }
            guard let value = Int64(digits, radix: radix) else { return .failure(.outOfRange) }
            return .success(.integer(value))
        }

        let isFloat = body.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        if isFloat { return parseFloat(body, negative: negative) }

        guard let digits = separatedDigits(body[...], radix: 10) else { return .failure(.malformed) }
        if digits.count > 1, digits.first == "0" { return .failure(.leadingZero) }
        guard let value = Int64((negative ? "-" : "") + digits) else { return .failure(.outOfRange) }
        return .success(.integer(value))
    }

    private static func parseFloat(_ body: [UInt8], negative: Bool) -> Result<TOMLValue, Problem> {
        // Split into integer part, optional fraction and optional exponent, then check each piece.
        let exponentIndex = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = body[..<(exponentIndex ?? body.endIndex)]
        let dotIndex = mantissa.firstIndex(of: UInt8(ascii: "."))
        guard let integer = separatedDigits(mantissa[..<(dotIndex ?? mantissa.endIndex)], radix: 10) else {
            return .failure(.malformed)
        }
        if integer.count > 1, integer.first == "0" { return .failure(.leadingZero) }
        var text = (negative ? "-" : "") + integer
        if let dotIndex {
            guard let fraction = separatedDigits(mantissa[(dotIndex + 1)...], radix: 10) else {
                return .failure(.malformed)
            }
            text += "." + fraction
        }
        if let exponentIndex {
            var exponent = body[(exponentIndex + 1)...]
            var sign = ""
            if let first = exponent.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                sign = String(Unicode.Scalar(first))
                exponent = exponent.dropFirst()
            }
            guard let digits = separatedDigits(exponent, radix: 10) else { return .failure(.malformed) }
            text += "e" + sign + digits
        }
        guard let value = Double(text) else { return .failure(.malformed) }
        return .success(.float(value))
    }

    private static func radix(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "x"): return 16
        case UInt8(ascii: "o"): return 8
        case UInt8(ascii: "b"): return 2
        default: return nil
        }
    }

    /// The digits with `_` removed, or nil unless every `_` sits between two digits of `radix`.
    private static func separatedDigits(_ bytes: ArraySlice<UInt8>, radix: Int) -> String? {
        guard let first = bytes.first, let last = bytes.last, isDigit(first, radix), isDigit(last, radix) else {
            return nil
        }
        var digits: [UInt8] = []
        var previousWasUnderscore = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                if previousWasUnderscore { return nil }
                previousWasUnderscore = true
            } else if isDigit(byte, radix) {
                previousWasUnderscore = false
                digits.append(byte)
            } else {
                return nil
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8, _ radix: Int) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0")) < radix
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): return radix == 16
        default: return false
        }
    }
}
