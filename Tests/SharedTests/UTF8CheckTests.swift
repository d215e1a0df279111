import FathomShared
import Testing

@Suite struct UTF8CheckTests {
    @Test func agreesWithTheStandardLibraryOnEveryTwoAndThreeByteSequenceStart() {
        // Every lead byte followed by every second byte and a fixed continuation: the standard
        // library's validating initialiser is the reference.
        var disagreements: [[UInt8]] = []
        for lead in UInt8(0x80)...UInt8(0xFF) {
            for second in UInt8(0)...UInt8(0xFF) {
                for tail: [UInt8] in [[], [0x80], [0x80, 0x80], [0x41]] {
                    let bytes = [0x41, lead, second] + tail
                    let reference = String(validating: bytes, as: UTF8.self) != nil
                    if (UTF8Check.firstInvalidOffset(bytes) == nil) != reference { disagreements.append(bytes) }
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test func reportsTheOffsetOfTheFirstBadSequence() {
        #expect(UTF8Check.firstInvalidOffset(Array("héllo".utf8)) == nil)
        #expect(UTF8Check.firstInvalidOffset([0x61, 0x62, 0xFF, 0x63]) == 2)
        #expect(UTF8Check.firstInvalidOffset(Array("é".utf8) + [0xE2, 0x82]) == 2)
        #expect(UTF8Check.firstInvalidOffset(Array("ab".utf8)[1...]) == nil)
    }
}
