/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of zip, gzip and PNG.
///
/// Used to detect torn or bit-rotted spool files, not as a defence against tampering.
///
/// ```swift
/// CRC32.checksum(Array("123456789".utf8))  // 0xCBF43926
/// var crc = CRC32(); crc.update(header); crc.update(payload); crc.value
/// ```
public struct CRC32: Sendable, Equatable {
    /// The checksum of everything passed to `update` so far.
    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    // Kept pre-inverted so `update` can be called any number of times before reading `value`.
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Feeds more bytes into the running checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        // The contiguous path avoids per-element iterator overhead for arrays and Data.
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(buffer)
        }
        if done == nil {
            var crc = state
            for byte in bytes {
                crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
            state = crc
        }
    }

    /// Feeds the bytes of a buffer into the running checksum.
    public mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        var crc = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in buffer {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        state = crc
    }

    /// The CRC-32 of `bytes` in one call.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// One entry per byte value: the remainder after shifting that byte through the polynomial.
    private static let table: [UInt32] = (0..<256).map { index in
        var entry = UInt32(index)
        for _ in 0..<8 {
            entry = entry & 1 == 1 ? (entry >> 1) ^ 0xEDB8_8320 : entry >> 1
        }
        return entry
    }
}
