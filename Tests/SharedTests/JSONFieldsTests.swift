import FathomShared
import Testing

/// Reading our own records' JSON by type: what counts as an integer, absent versus null, and
/// messages that name the member.
@Suite(.timeLimit(.minutes(1))) struct JSONFieldsTests {
    func fields(_ text: String) throws -> JSONFields {
        try JSONFields(try JSONText.parse(Array(text.utf8)), what: "record")
    }

    @Test func integersAcceptAnIntegralFloatButNotAFractionOrOverflow() throws {
        let f = try fields(#"{"a":3,"b":3.0,"c":3.5,"d":300,"e":18446744073709551615}"#)
        #expect(try f.integer("a") as Int == 3)
        #expect(try f.integer("b") as Int == 3)
        #expect(throws: JSONFields.Mismatch.self) { try f.integer("c") as Int }
        #expect(throws: JSONFields.Mismatch.self) { try f.integer("d") as UInt8 }
        #expect(throws: JSONFields.Mismatch.self) { try f.integer("e") as Int64 }
        #expect(try f.double("a") == 3 && f.double("c") == 3.5)
    }

    @Test func nullIsAbsentAndAWrongTypeIsNot() throws {
        let f = try fields(#"{"n":null,"s":"x","t":true}"#)
        #expect(try f.optionalString("n") == nil && f.optionalString("missing") == nil)
        #expect(throws: JSONFields.Mismatch("record lacks a string 'n'")) { try f.string("n") }
        #expect(throws: JSONFields.Mismatch("record has 't' that is not a string")) { try f.optionalString("t") }
        #expect(throws: JSONFields.Mismatch("record has 's' that is not a boolean")) { try f.bool("s") }
        #expect(throws: JSONFields.Mismatch("list is not a JSON object")) { try JSONFields(.array([]), what: "list") }
    }

    @Test func nestedObjectsNameTheirPath() throws {
        let f = try fields(#"{"spec":{"hops":"30"}}"#)
        #expect(
            throws: JSONFields.Mismatch(
                "record 'spec' has 'hops' that is not an integer within \(Int.min)...\(Int.max)")
        ) {
            try f.object("spec").integer("hops") as Int
        }
    }
}
