/// Bit rates as iperf3's `-b` reads them: `2G`, `500M`, `100k`, `1000000` (decimal multiples).
///
/// ```swift
/// BitRateText.bitsPerSecond("100M")   // 100_000_000
/// BitRateText.bitsPerSecond("fast")   // nil
/// ```
public enum BitRateText {
    public static func bitsPerSecond(_ text: String) -> Int? {
        let multipliers: [Character: Double] = ["k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9]
        let multiplier = text.last.flatMap { multipliers[$0] }
        guard let value = Double(multiplier == nil ? text : String(text.dropLast())), value > 0,
            value * (multiplier ?? 1) < 1e15
        else {
            return nil
        }
        return Int(value * (multiplier ?? 1))
    }
}
