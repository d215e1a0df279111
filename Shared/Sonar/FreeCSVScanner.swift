/// Checks a free-CSV line's syntax exactly as `FreeCSV.parse` does, but only materialises the
/// values of the fields asked for. The receiver validates every line of every upload and needs
/// just `host` and `time`; allocating a string per field was most of its parsing cost.
///
/// ```swift
/// let values = try FreeCSVScanner(names: ["host", "time"]).scan(Array(line.utf8)[...])
/// ```
public struct FreeCSVScanner: Sendable {
    private let names: [[UInt8]]

    public init(names: [String]) { self.names = names.map { Array($0.utf8) } }

    /// The value of each requested name (first occurrence), nil where absent.
    public func scan(_ line: ArraySlice<UInt8>) throws(FreeCSVError) -> [String?] {
        var found = [String?](repeating: nil, count: names.count)
        try Self.walk(line) { name, value in
            for (k, wanted) in names.enumerated() where found[k] == nil && name.elementsEqual(wanted) {
                found[k] = String(decoding: value, as: UTF8.self)
            }
        }
        return found
    }

    /// Calls `body` with the name and value bytes of each field, in order, after checking the
    /// field's syntax (quoting, `=`); the one splitter behind `scan`, `FreeCSV.parse` and the
    /// receiver's sample index (which reads values as bytes, without a string per field). The
    /// buffers are valid only during the call (a quoted field's are a temporary unescaped copy).
    public static func walk(
        _ line: ArraySlice<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void
    ) throws(FreeCSVError) {
        if line.isEmpty { throw .emptyLine }
        var failure: FreeCSVError?
        line.withUnsafeBufferPointer { bytes in
            do throws(FreeCSVError) {
                try walk(bytes: bytes, body)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    private static func walk(
        bytes line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void
    ) throws(FreeCSVError) {
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let equals = UInt8(ascii: "=")
        var i = 0
        while true {
            let start = i
            if i < line.count && line[i] == quote {
                // Quoted fields are rare (comma lists, odd command names): unescape them whole.
                var raw: [UInt8] = []
                i += 1
                var closed = false
                while i < line.count {
                    if line[i] == quote {
                        if i + 1 < line.count && line[i + 1] == quote {
                            raw.append(quote)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    raw.append(line[i])
                    i += 1
                }
                if !closed { throw .unterminatedQuote(column: start + 1) }
                if i < line.count && line[i] != comma { throw .textAfterQuote(column: i + 1) }
                guard let eq = raw.firstIndex(of: equals) else {
                    throw .fieldWithoutEquals(field: String(decoding: raw, as: UTF8.self))
                }
                raw.withUnsafeBufferPointer { r in
                    body(UnsafeBufferPointer(rebasing: r[..<eq]), UnsafeBufferPointer(rebasing: r[(eq + 1)...]))
                }
            } else {
                var eq: Int?
                while i < line.count && line[i] != comma {
                    if line[i] == quote { throw .bareQuote(column: i + 1) }
                    if eq == nil && line[i] == equals { eq = i }
                    i += 1
                }
                guard let eq else {
                    throw .fieldWithoutEquals(
                        field: String(decoding: UnsafeBufferPointer(rebasing: line[start..<i]), as: UTF8.self))
                }
                body(UnsafeBufferPointer(rebasing: line[start..<eq]), UnsafeBufferPointer(rebasing: line[(eq + 1)..<i]))
            }
            if i >= line.count { break }
            i += 1
            // A trailing comma makes an empty last field, which has no '='.
            if i == line.count { throw .fieldWithoutEquals(field: "") }
        }
    }
}
