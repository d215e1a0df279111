import FathomShared
import FathomTestSupport
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

    /// The eight-bytes-per-step path (contiguous input) agrees with the one-byte path (a lazy
    /// sequence) at every length and split, so both tails and every table are exercised.
    @Test func eightBytePathMatchesBytewisePath() {
        var rng = SplitMix64(state: 0xC3C3)
        let bytes = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for length in 0...bytes.count {
            let slice = Array(bytes[..<length])
            #expect(CRC32.checksum(slice) == CRC32.checksum(slice.lazy.map { $0 }), "length \(length)")
        }
        for split in stride(from: 0, through: bytes.count, by: 7) {
            var crc = CRC32()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == CRC32.checksum(bytes.lazy.map { $0 }), "split \(split)")
        }
    }
}
