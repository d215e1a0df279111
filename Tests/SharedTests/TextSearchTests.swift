import FathomShared
import Testing

/// `after(first:)` and `includes(_:)`: the byte-wise substring search that stands in for the
/// standard library's `_StringProcessing` one, checked against plain expectations and against
/// a brute-force search over every split of the text.
@Suite struct TextSearchTests {
    @Test func findsTheFirstOccurrenceAndWhatFollowsIt() {
        #expect("GPU[0] : Card series: Navi 21".after(first: "Card series:") == " Navi 21")
        #expect("a:b:c".after(first: ":") == "b:c")
        #expect("abc".after(first: "abc") == "")
        #expect("abc".after(first: "") == "abc")
        #expect("abc".after(first: "abcd") == nil)
        #expect("".after(first: "a") == nil)
        #expect("aab".after(first: "ab") == "")
        // Multi-byte text on either side.
        #expect("µs: 5 ms".after(first: "µs: ") == "5 ms")
        #expect("Zürich → Bern".after(first: "→ ") == "Bern")
        let sub = "xx keep-alive, close"[...].dropFirst(3)
        #expect(sub.after(first: ", ") == "close")
    }

    @Test func includesAgreesWithABruteForceSearch() {
        let texts = ["", "a", "ab", "abab", "$2b$12$hash", "user:pa$2ss", "keep-alive", "ééa"]
        let needles = ["", "a", "b", "ab", "ba", "$2", "alive", "éa", "zz"]
        for text in texts {
            for needle in needles {
                let chars = Array(text.utf8)
                let pattern = Array(needle.utf8)
                let brute = (0...max(0, chars.count - pattern.count)).contains { start in
                    start + pattern.count <= chars.count && Array(chars[start..<start + pattern.count]) == pattern
                }
                #expect(text.includes(needle) == brute, "\(text) / \(needle)")
            }
        }
    }
}
