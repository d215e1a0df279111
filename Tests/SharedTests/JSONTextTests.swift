import FathomShared
import Testing

/// The JSON reader keeps the number forms it was given and refuses malformed text; the writer
/// prints floats as Python does, so esmond clients read back what they stored.
@Suite(.timeLimit(.minutes(2))) struct JSONTextTests {
    @Test func parserIsStrictAndKeepsNumberForms() throws {
        #expect(
            try JSONText.parse(Array(#"{"d":25.0,"i":25,"e":1e3,"s":"\u00e9\ud83d\ude00\n"}"#.utf8))
                == .object(["d": .number(25), "i": .integer(25), "e": .number(1000), "s": .string("é😀\n")]))
        #expect(try JSONText.parse(Array("99999999999999999999".utf8)) == .number(1e20))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01x", "tru", "\"a", "[1] 2", "{'a':1}", "-"] {
            #expect(throws: JSONText.ParseError.self, "\(bad)") { try JSONText.parse(Array(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONText.ParseError.self) { try JSONText.parse(Array(deep.utf8)) }
    }

    @Test func jsonWriterPrintsFloatsLikePython() throws {
        #expect(JSONText.string(.number(7_016_320_000)) == "7016320000.0")
        #expect(JSONText.string(.number(0.04666666666666667)) == "0.04666666666666667")
        #expect(JSONText.string(.object(["b": .string("x\"\n"), "a": .null])) == #"{"a":null,"b":"x\"\n"}"#)
        #expect(
            try JSONText.parse(Array(#"{"ts":1,"val":[1.5,"a",true]}"#.utf8))
                == .object(["ts": .integer(1), "val": .array([.number(1.5), .string("a"), .bool(true)])]))
        #expect(JSONValue.number(25.0).pythonString == "25.0" && JSONValue.bool(true).pythonString == "True")
    }
}
