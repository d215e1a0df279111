/// ISO 8601 durations as pScheduler writes and reads them: RTTs in trace results (`PT0.000095S`),
/// and config values for `repeat`/`slip` (`PT1H30M`, `P1D`, `P2W`).
///
/// ```swift
/// ISODuration.string(.microseconds(95))   // "PT0.000095S"
/// ISODuration.seconds("PT1H30M")          // 5400
/// ISODuration.seconds("5 min")            // nil
/// ```
public enum ISODuration {
    /// Microsecond precision (the tracepath tool prints six decimals), trailing zeros dropped,
    /// so 95 µs is `PT0.000095S` and 2 s is `PT2S`.
    public static func string(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let totalMicros = max(0, seconds * 1_000_000 + (attoseconds + 500_000_000_000) / 1_000_000_000_000)
        let whole = totalMicros / 1_000_000
        var fraction = String(totalMicros % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "PT\(whole)S" : "PT\(whole).\(fraction)S"
    }

    /// Seconds, or nil when `text` is not a duration; years and months (no fixed length) are refused.
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text.uppercased())
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var total = 0.0
        var inTime = false
        var sawComponent = false
        var sawTimeComponent = false
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inTime else { return nil }
                inTime = true
                rest = rest.dropFirst()
                continue
            }
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number), let unit = rest.dropFirst(number.count).first else {
                return nil
            }
            rest = rest.dropFirst(number.count + 1)
            switch (inTime, unit) {
            case (false, "W"): total += value * 604_800
            case (false, "D"): total += value * 86_400
            case (true, "H"): total += value * 3_600
            case (true, "M"): total += value * 60
            case (true, "S"): total += value
            default: return nil
            }
            sawComponent = true
            sawTimeComponent = sawTimeComponent || inTime
        }
        // `P1DT` (a T with nothing after it) is malformed.
        return sawComponent && (!inTime || sawTimeComponent) ? total : nil
    }
}
