/// Sizes and TOS values as iperf3 reads them, for the CLI and the config: `ByteCountText.bytes`
/// takes a number with an optional K, M or G (binary multiples, as iperf3's `unit_atoi`:
/// "64K" is 65536), `ByteCountText.tos` a byte in decimal, octal (`040`) or hex (`0x20`), and
/// `ByteCountText.dscp` a DSCP number or name (`EF`, `AF41`, `CS5`) as the TOS byte it sets.
///
/// ```swift
/// ByteCountText.bytes("64K")     // 65536
/// ByteCountText.tos("0x20")      // 32
/// ByteCountText.dscp("EF")       // 184 (46 << 2)
/// ```
public enum ByteCountText {
    public static func bytes(_ text: String) -> Int? {
        let multipliers: [Character: Double] = [
            "k": 1024, "K": 1024, "m": 1_048_576, "M": 1_048_576, "g": 1_073_741_824, "G": 1_073_741_824,
        ]
        let multiplier = text.last.flatMap { multipliers[$0] }
        guard let value = Double(multiplier == nil ? text : String(text.dropLast())), value > 0,
            value * (multiplier ?? 1) < 1e15
        else {
            return nil
        }
        return Int(value * (multiplier ?? 1))
    }

    /// A TOS byte: `0x` hex, a leading `0` octal, else decimal (iperf3's `strtol(…, 0)`).
    public static func tos(_ text: String) -> Int? {
        let lower = text.lowercased()
        let value: Int? =
            if lower.hasPrefix("0x") {
                Int(lower.dropFirst(2), radix: 16)
            } else if lower.count > 1 && lower.hasPrefix("0") {
                Int(lower.dropFirst(), radix: 8)
            } else { Int(lower) }
        return value.flatMap { (0...255).contains($0) ? $0 : nil }
    }

    /// The TOS byte of a DSCP given as 0...63 or by name (EF, VA, LE, CS0...CS7, AF11...AF43).
    public static func dscp(_ text: String) -> Int? {
        let name = text.uppercased()
        let code: Int?
        switch name {
        case "EF": code = 46
        case "VA": code = 44
        case "LE": code = 1
        case _ where name.hasPrefix("CS"):
            code = Int(name.dropFirst(2)).flatMap { (0...7).contains($0) ? $0 << 3 : nil }
        case _ where name.hasPrefix("AF") && name.count == 4:
            let digits = name.dropFirst(2).compactMap(\.wholeNumberValue)
            code =
                digits.count == 2 && (1...4).contains(digits[0]) && (1...3).contains(digits[1])
                ? digits[0] << 3 | digits[1] << 1 : nil
        default: code = tos(text).flatMap { $0 <= 63 ? $0 : nil }
        }
        return code.map { $0 << 2 }
    }
}
