import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct CRC32Tests {
    @Test func standardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func emptyInputIsZero() {
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func knownVectors() {
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([0x00]) == 0xD202_EF8D)
    }

    @Test func incrementalMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var crc = CRC32()
        crc.update(bytes[..<123])
        crc.update(bytes[123...])
        #expect(crc.value == CRC32.checksum(bytes))
    }

    @Test func nonContiguousSequenceMatches() {
        let bytes = Array("123456789".utf8)
        #expect(CRC32.checksum(bytes.lazy.map { $0 }) == 0xCBF4_3926)
    }
}
