/// 128 random bits as 32 lowercase hex digits: spool batch ids and measurement run ids.
///
/// ```swift
/// let id = RandomHexID.make()   // "3f9c0a…" (32 characters)
/// ```
public enum RandomHexID {
    public static func make() -> String {
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for _ in 0..<2 {
            var word = rng.next()
            for _ in 0..<16 {
                out.append(digits[Int(word & 15)])
                word >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
