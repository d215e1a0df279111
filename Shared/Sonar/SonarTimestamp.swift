/// Sonar's timestamp: `YYYY-MM-DDThh:mm:ss±hh:mm` (local time with a colon in the offset, no
/// fraction). Parsing accepts any RFC 3339 time (fraction, `Z`), as Go's `time.RFC3339` does.
///
/// ```swift
/// SonarTimestamp.format(epochSeconds: 0, utcOffsetSeconds: 3600)   // "1970-01-01T01:00:00+01:00"
/// ```
public enum SonarTimestamp {
    public static func format(epochSeconds: Int64, utcOffsetSeconds: Int) -> String {
        let local = epochSeconds + Int64(utcOffsetSeconds)
        let (days, secs) = floorDivMod(local, 86_400)
        let (y, m, d) = civilFromDays(days)
        let off = abs(utcOffsetSeconds)
        // Written as bytes: the fleet page formats two per host, 20,000 for a large fleet.
        var out: [UInt8] = []
        out.reserveCapacity(25)
        func put(_ v: Int, _ width: Int, then separator: UInt8?) {
            pad(v, width, to: &out)
            if let separator { out.append(separator) }
        }
        put(y, 4, then: UInt8(ascii: "-"))
        put(m, 2, then: UInt8(ascii: "-"))
        put(d, 2, then: UInt8(ascii: "T"))
        put(Int(secs / 3600), 2, then: UInt8(ascii: ":"))
        put(Int(secs % 3600 / 60), 2, then: UInt8(ascii: ":"))
        put(Int(secs % 60), 2, then: utcOffsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        put(off / 3600, 2, then: UInt8(ascii: ":"))
        put(off % 3600 / 60, 2, then: nil)
        return String(decoding: out, as: UTF8.self)
    }

    /// The UTC calendar date (year, month, day) of an instant.
    public static func utcDate(epochSeconds: Int64) -> (year: Int, month: Int, day: Int) {
        civilFromDays(floorDivMod(epochSeconds, 86_400).0)
    }

    public static func parse(_ text: Substring) -> (epochSeconds: Int64, utcOffsetSeconds: Int)? {
        var copy = text
        // The receiver parses one per stored line: work on contiguous UTF-8 without copying.
        return copy.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> (epochSeconds: Int64, utcOffsetSeconds: Int)? {
        func num(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= b.count else { return nil }
            var v = 0
            for k in from..<(from + n) {
                guard b[k] >= 48 && b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        func at(_ i: Int, _ c: Unicode.Scalar) -> Bool { i < b.count && b[i] == UInt8(ascii: c) }
        guard let y = num(0, 4), at(4, "-"), let mo = num(5, 2), at(7, "-"), let d = num(8, 2),
            at(10, "T") || at(10, "t"), let h = num(11, 2), at(13, ":"), let mi = num(14, 2), at(16, ":"),
            let s = num(17, 2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y), h < 24, mi < 60, s < 60 else {
            return nil
        }
        var i = 19
        if at(i, ".") {
            i += 1
            let start = i
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
            if i == start { return nil }
        }
        var offset = 0
        if at(i, "Z") || at(i, "z") {
            i += 1
        } else if at(i, "+") || at(i, "-") {
            guard let oh = num(i + 1, 2), at(i + 3, ":"), let om = num(i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (at(i, "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let local = daysFromCivil(y, mo, d) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return (local - Int64(offset), offset)
    }

    /// `v` in decimal, left-padded with zeros to `width` characters (as `String(v)` padded: a
    /// longer number, or a negative year, is written whole, its sign counted in the width).
    private static func pad(_ v: Int, _ width: Int, to out: inout [UInt8]) {
        var limit = 1
        for _ in 0..<width { limit *= 10 }
        if v >= 0 && v < limit {
            var divisor = limit / 10
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                divisor /= 10
            }
            return
        }
        let text = String(v)
        if text.utf8.count < width { out += repeatElement(UInt8(ascii: "0"), count: width - text.utf8.count) }
        out += text.utf8
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
