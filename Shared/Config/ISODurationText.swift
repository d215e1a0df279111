/// Reads ISO 8601 durations as pScheduler writes them (`PT5S`, `PT0.000095S`, `PT1H30M`, `P1D`,
/// `P2W`): config values for `repeat`/`slip`, and RTTs in trace results.
///
/// ```swift
/// ISODurationText.seconds("PT1H30M")   // 5400
/// ISODurationText.seconds("PT0.5S")    // 0.5
/// ISODurationText.seconds("5 min")     // nil
/// ```
public enum ISODurationText {
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
            guard !number.isEmpty, let value = Double(number), let unit = rest.dropFirst(number.count).first else { return nil }
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
