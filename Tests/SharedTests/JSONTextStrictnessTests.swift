import FathomShared
import Testing

/// What RFC 8259 leaves to the implementation is refused, so the receiver never stores a document
/// that two readers would read differently.
@Suite struct JSONTextStrictnessTests {
    func failure(_ text: [UInt8]) -> String? {
        do {
            _ = try JSONText.parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func duplicateKeysAreRefusedEvenWhenSpelledDifferently() {
        #expect(failure(Array(#"{"a":1,"a":2}"#.utf8))?.contains(#"duplicate key "a""#) == true)
        #expect(failure(Array(#"{"a":1,"\u0061":2}"#.utf8))?.contains("duplicate key") == true)
        #expect(failure(Array(#"[{"a":1},{"a":2}]"#.utf8)) == nil, "the same key in sibling objects is fine")
    }

    @Test(arguments: ["1e309", "-1e309", "[1E400]", #"{"x":123456789e999}"#])
    func numbersThatAreNotFiniteDoublesAreRefused(text: String) {
        #expect(failure(Array(text.utf8))?.contains("number out of range") == true)
    }

    @Test func hugeButFiniteNumbersStayAccepted() throws {
        #expect(try JSONText.parse(Array("1.7976931348623157e308".utf8)) == .number(.greatestFiniteMagnitude))
        #expect(try JSONText.parse(Array("1e-400".utf8)) == .number(0))
    }

    @Test func invalidUTF8IsRefusedWithItsOffset() {
        #expect(failure(Array(#"{"a":""#.utf8) + [0xFF] + Array(#""}"#.utf8)) == "invalid UTF-8 at byte 6")
        #expect(failure(Array(#"["é"]"#.utf8)) == nil)
    }

    @Test func nestingOneHundredThousandDeepIsRefusedWithoutExhaustingTheStack() {
        for open in ["[", #"{"a":"#] {
            let text = Array(String(repeating: open, count: 100_000).utf8)
            #expect(failure(text)?.contains("nesting too deep") == true)
        }
    }

    @Test func compactingRemovesOnlyWhitespaceBetweenTokens() throws {
        let pretty = "{\n  \"a b\" : [ 1 ,\t2.50 ],\r\n  \"c\\\" d\" : \"x \\\\\" , \"e\":{ } }\n"
        let compact = JSONText.compacted(Array(pretty.utf8))
        #expect(String(decoding: compact, as: UTF8.self) == #"{"a b":[1,2.50],"c\" d":"x \\","e":{}}"#)
        #expect(try JSONText.parse(compact) == JSONText.parse(Array(pretty.utf8)))
    }

    @Test func aHighSurrogateFollowedByAnotherEscapeDoesNotTrap() throws {
        // Found by ParserFuzzTests: the pair arithmetic overflowed when the second escape was no low surrogate.
        #expect(
            try JSONText.parse(Array(#"["\ud800\u0041","\udbff\uffff","\ud83d\ude00"]"#.utf8))
                == .array([.string("\u{FFFD}A"), .string("\u{FFFD}\u{FFFF}"), .string("\u{1F600}")]))
    }
}
