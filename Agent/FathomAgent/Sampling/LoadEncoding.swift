/// sonar 0.12's compact `load=` field: per-CPU busy seconds since boot in little-endian base 45.
///
/// The minimum is written first, then every value minus that minimum, so a balanced machine costs
/// about two characters per CPU. A number's first digit comes from one alphabet and its further
/// digits from another, which is what makes the concatenation decodable without separators.
public enum LoadEncoding {
    private static let initial = Array("(){}[]<>+-abcdefghijklmnopqrstuvwxyz!@#$%^&*_")
    private static let subsequent = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ~|';:.?/`")

    /// `[1, 30, 89, 12]` → `)(t*1b`; an empty list encodes as "".
    public static func encode(_ values: [UInt64]) -> String {
        guard let base = values.min() else { return "" }
        var text = encode(base)
        for value in values { text += encode(value - base) }
        return text
    }

    /// One number: `897` → `&J`.
    public static func encode(_ value: UInt64) -> String {
        var rest = value
        var text = String(initial[Int(rest % 45)])
        rest /= 45
        while rest > 0 {
            text.append(subsequent[Int(rest % 45)])
            rest /= 45
        }
        return text
    }
}
