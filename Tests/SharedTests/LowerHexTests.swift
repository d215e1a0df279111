import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct LowerHexTests {
    @Test func everyByteRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        let text = LowerHex.encode(bytes)
        #expect(text.count == 512 && text.hasPrefix("000102") && text.hasSuffix("fdfeff"))
        #expect(LowerHex.decode(text) == bytes)
    }

    @Test(arguments: ["0", "0FA0", "0g", "0f a0"]) func notLowercaseHexPairsAreRefused(_ text: String) {
        #expect(LowerHex.decode(text) == nil)
    }
}
