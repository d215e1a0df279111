/// Numbers read straight from the bytes of a free-CSV value, giving exactly what `Double(String)`
/// and `Int64(String)` give (with the index's rule that what does not read, is not finite or is
/// out of range is 0), without making a string. Plain decimals (`99.5`, `-3`, `123456`) take a fast path; anything
/// else (exponents, `inf`, long mantissas) goes through the standard library.
///
/// ```swift
/// Array("99.5".utf8).withUnsafeBufferPointer { ASCIINumber.double($0) }   // 99.5
/// Array("2.9".utf8).withUnsafeBufferPointer { ASCIINumber.integer($0) }   // 2 (cut toward zero)
/// ```
enum ASCIINumber {
    /// Powers of ten that a `Double` holds exactly.
    private static let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
        if let value = plainDecimal(bytes) { return value }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return 0 }
        return value
    }

    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        if let (mantissa, fractionDigits, negative) = decimalParts(bytes), fractionDigits == 0 {
            return negative ? -mantissa : mantissa
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let value = Int64(text) { return value }
        // A fraction is cut toward zero; what no Int64 holds (`1e30`) is 0, never a trap.
        return Double(text).map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? 0 : 0 } ?? 0
    }

    /// `[+-]digits[.digits]` with at most 15 digits: both the mantissa and the power of ten are
    /// exact doubles, so one division rounds correctly, as the standard library's parse does.
    private static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let (mantissa, fractionDigits, negative) = decimalParts(bytes) else { return nil }
        let value = Double(mantissa) / exactPowers[fractionDigits]
        return negative ? -value : value
    }

    private static func decimalParts(_ bytes: UnsafeBufferPointer<UInt8>) -> (
        mantissa: Int64, fractionDigits: Int, negative: Bool
    )? {
        var i = bytes.startIndex
        var negative = false
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: Int64 = 0
        var digits = 0
        var integerDigits = 0
        var fractionDigits = 0
        var seenPoint = false
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                mantissa = mantissa * 10 + Int64(b - UInt8(ascii: "0"))
                digits += 1
                if seenPoint { fractionDigits += 1 } else { integerDigits += 1 }
                if digits > 15 { return nil }
            } else if b == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        // Both sides of a point need a digit for the fast path (`.5` and `5.` go the long way).
        guard integerDigits > 0, !seenPoint || fractionDigits > 0 else { return nil }
        return (mantissa, fractionDigits, negative)
    }
}
