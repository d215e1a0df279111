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
                crc = Self.tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
            state = crc
        }
    }

    /// Feeds the bytes of a buffer into the running checksum.
    ///
    /// Slicing-by-8: eight bytes per step through eight tables, about five times the speed of one
    /// byte per step. The receiver checksums every committed upload, so this is on its hot path.
    public mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        var crc = state
        Self.tables.withUnsafeBufferPointer { t in
            var index = 0
            let count = buffer.count
            while count - index >= 8 {
                let low =
                    crc
                    ^ (UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8 | UInt32(buffer[index + 2]) << 16
                        | UInt32(buffer[index + 3]) << 24)
                crc =
                    t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(buffer[index + 4])] ^ t[2 * 256 + Int(buffer[index + 5])]
                    ^ t[256 + Int(buffer[index + 6])] ^ t[Int(buffer[index + 7])]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
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

    /// Table k (entries k*256 ..< (k+1)*256) holds the remainder of a byte followed by k zero bytes;
    /// table 0 is the classic one-byte table.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var entry = UInt32(index)
            for _ in 0..<8 {
                entry = entry & 1 == 1 ? (entry >> 1) ^ 0xEDB8_8320 : entry >> 1
            }
            tables[index] = entry
        }
        for k in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables[k * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
