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
    /// field's syntax (quoting, `=`); the one splitter behind both `scan` and `FreeCSV.parse`.
    static func walk(
        _ line: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Void
    ) throws(FreeCSVError) {
        if line.isEmpty { throw .emptyLine }
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), equals = UInt8(ascii: "=")
        let base = line.startIndex
        var i = base
        while true {
            let start = i
            if line[i...].first == quote {
                // Quoted fields are rare (comma lists, odd command names): unescape them whole.
                var raw: [UInt8] = []
                i += 1
                var closed = false
                while i < line.endIndex {
                    if line[i] == quote {
                        if i + 1 < line.endIndex && line[i + 1] == quote {
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
                if !closed { throw .unterminatedQuote(column: start - base + 1) }
                if i < line.endIndex && line[i] != comma { throw .textAfterQuote(column: i - base + 1) }
                guard let eq = raw.firstIndex(of: equals) else {
                    throw .fieldWithoutEquals(field: String(decoding: raw, as: UTF8.self))
                }
                body(raw[..<eq], raw[(eq + 1)...])
            } else {
                var eq: Int?
                while i < line.endIndex && line[i] != comma {
                    if line[i] == quote { throw .bareQuote(column: i - base + 1) }
                    if eq == nil && line[i] == equals { eq = i }
                    i += 1
                }
                guard let eq else { throw .fieldWithoutEquals(field: String(decoding: line[start..<i], as: UTF8.self)) }
                body(line[start..<eq], line[(eq + 1)..<i])
            }
            if i >= line.endIndex { break }
            i += 1
            // A trailing comma makes an empty last field, which has no '='.
            if i == line.endIndex { throw .fieldWithoutEquals(field: "") }
        }
    }
}
