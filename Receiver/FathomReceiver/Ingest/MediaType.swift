/// A `Content-Type` header read as RFC 9110 §8.3.1 says: type and subtype are case-insensitive and
/// may be followed by `;`-separated parameters, so `TEXT/CSV` and `text/csv; charset=utf-8` are
/// the same media type as `text/csv` (curl and HTTP libraries add the charset on their own).
///
/// Only a UTF-8 (or US-ASCII) `charset` is accepted when one is given: the data is stored as sent
/// and read back as UTF-8.
///
/// ```swift
/// MediaType("Text/CSV; charset=UTF-8")?.isUTF8(essence: "text/csv")  // true
/// MediaType("text/csvx")?.isUTF8(essence: "text/csv")                // false
/// ```
struct MediaType: Equatable {
    /// `type/subtype`, lowercased.
    var essence: String
    /// Parameter names lowercased, values unquoted (case kept).
    var parameters: [String: String]

    init?(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        let essence = parts[0].trimmingSpaceAndTab().lowercased()
        let halves = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isTokenCharacter) }) else {
            return nil
        }
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            let parameter = part.trimmingSpaceAndTab()
            if parameter.isEmpty { continue }
            guard let eq = parameter.firstIndex(of: "=") else { return nil }
            let name = parameter[..<eq].lowercased()
            var value = parameter[parameter.index(after: eq)...]
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            guard !name.isEmpty, name.allSatisfy(Self.isTokenCharacter) else { return nil }
            parameters[name] = String(value)
        }
        self.essence = essence
        self.parameters = parameters
    }

    /// True when this is `essence` with no charset or a UTF-8-compatible one.
    func isUTF8(essence expected: String) -> Bool {
        guard essence == expected else { return false }
        guard let charset = parameters["charset"]?.lowercased() else { return true }
        return charset == "utf-8" || charset == "utf8" || charset == "us-ascii"
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ c: Character) -> Bool {
        guard let ascii = c.asciiValue, ascii > 0x20, ascii < 0x7F else { return false }
        return !"\"(),/:;<=>?@[\\]{}".contains(c)
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaceAndTab() -> Substring {
        let s = self[...]
        let start = s.firstIndex { $0 != " " && $0 != "\t" } ?? s.endIndex
        let end = s.lastIndex { $0 != " " && $0 != "\t" }.map { s.index(after: $0) } ?? start
        return Substring(s[start..<end])
    }
}
