import FathomShared

/// The on-disk layout of one spool file: a self-checking header followed by the payload.
///
/// All integers are little-endian. Version 1:
///
///     offset  size  field
///          0     4  magic "FSPL"
///          4     2  format version (1)
///          6     2  header length H, including the header CRC
///          8    16  batch id
///         24     8  sequence number
///         32     8  creation time, milliseconds since 1970 (signed)
///         40     4  record count
///         44     8  payload length
///         52     4  CRC-32 of the payload
///         56     1  kind length K (1...64)
///         57     K  kind, ASCII
///       57+K     4  CRC-32 of bytes 0..<57+K
///          H        payload
///
/// The header has its own CRC so a torn header is told apart from a torn payload without reading
/// the payload, which keeps `pending()` cheap.
enum SpoolFileFormat {
    static let magic: [UInt8] = Array("FSPL".utf8)
    static let version: UInt16 = 1
    static let fixedLength = 57
    static let maxHeaderLength = fixedLength + 64 + 4
    static let fileExtension = ".batch"
    static let tempPrefix = ".tmp-"

    /// `00000000000000000042-<id>.batch`: the zero-padded sequence makes name order creation order.
    static func fileName(sequence: UInt64, id: String) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: 20 - digits.count) + digits + "-" + id + fileExtension
    }

    /// The sequence and id encoded in a batch file name, or nil if the name is not one of ours.
    static func parseFileName(_ name: String) -> (sequence: UInt64, id: String)? {
        let utf8 = Array(name.utf8)
        guard utf8.count == 20 + 1 + 32 + fileExtension.utf8.count, name.hasSuffix(fileExtension),
            utf8[20] == UInt8(ascii: "-"),
            let sequence = UInt64(String(decoding: utf8[0..<20], as: UTF8.self))
        else { return nil }
        let id = String(decoding: utf8[21..<53], as: UTF8.self)
        guard id.utf8.allSatisfy(isLowerHex) else { return nil }
        return (sequence, id)
    }

    static func isValidKind(_ kind: String) -> Bool {
        (1...64).contains(kind.utf8.count)
            && kind.utf8.allSatisfy { byte in
                isLowerHex(byte) || (UInt8(ascii: "g")...UInt8(ascii: "z")).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    static func encode(
        id: [UInt8], sequence: UInt64, kind: String, recordCount: Int, createdAtMillis: Int64,
        payload: [UInt8], payloadCRC32: UInt32
    ) -> [UInt8] {
        let kindBytes = Array(kind.utf8)
        var bytes = magic
        bytes.reserveCapacity(fixedLength + kindBytes.count + 4 + payload.count)
        append(&bytes, version)
        append(&bytes, UInt16(fixedLength + kindBytes.count + 4))
        bytes += id
        append(&bytes, sequence)
        append(&bytes, createdAtMillis)
        append(&bytes, UInt32(recordCount))
        append(&bytes, UInt64(payload.count))
        append(&bytes, payloadCRC32)
        bytes.append(UInt8(kindBytes.count))
        bytes += kindBytes
        append(&bytes, CRC32.checksum(bytes))
        bytes += payload
        return bytes
    }

    /// Checks and decodes the header at the start of `bytes`; `fileSize` is the file's full length.
    /// Throws a human-readable reason on any mismatch.
    static func decodeHeader(_ bytes: [UInt8], fileName: String, fileSize: Int) throws(CorruptionReason) -> (
        batch: SpoolBatch, headerLength: Int
    ) {
        guard bytes.count >= 8 else { throw CorruptionReason("truncated header (\(bytes.count) bytes)") }
        guard bytes.starts(with: magic) else { throw CorruptionReason("bad magic") }
        let version: UInt16 = read(bytes, at: 4)
        guard version == Self.version else { throw CorruptionReason("unsupported format version \(version)") }
        let headerLength = Int(read(bytes, at: 6) as UInt16)
        guard headerLength >= fixedLength + 1 + 4, headerLength <= maxHeaderLength else {
            throw CorruptionReason("bad header length \(headerLength)")
        }
        guard bytes.count >= headerLength else { throw CorruptionReason("truncated header (\(bytes.count) bytes)") }
        let storedHeaderCRC: UInt32 = read(bytes, at: headerLength - 4)
        guard CRC32.checksum(bytes[0..<(headerLength - 4)]) == storedHeaderCRC else {
            throw CorruptionReason("header checksum mismatch")
        }
        let kindLength = Int(bytes[56])
        guard fixedLength + kindLength + 4 == headerLength else { throw CorruptionReason("bad kind length") }
        let kind = String(decoding: bytes[fixedLength..<(fixedLength + kindLength)], as: UTF8.self)
        let id = LowerHex.encode(bytes[8..<24])
        let sequence: UInt64 = read(bytes, at: 24)
        let millis: Int64 = read(bytes, at: 32)
        let recordCount: UInt32 = read(bytes, at: 40)
        let payloadLength: UInt64 = read(bytes, at: 44)
        guard payloadLength <= UInt64(Int.max - headerLength) else { throw CorruptionReason("bad payload length") }
        let expectedSize = headerLength + Int(payloadLength)
        guard fileSize >= expectedSize else {
            throw CorruptionReason("truncated: \(fileSize) of \(expectedSize) bytes")
        }
        guard fileSize == expectedSize else {
            throw CorruptionReason("\(fileSize - expectedSize) unexpected bytes after the payload")
        }
        guard fileName == Self.fileName(sequence: sequence, id: id) else {
            throw CorruptionReason("file name does not match header (sequence \(sequence), id \(id))")
        }
        let batch = SpoolBatch(
            id: id, sequence: sequence, kind: kind, recordCount: Int(recordCount),
            createdAt: Double(millis) / 1000, payloadLength: Int(payloadLength),
            payloadCRC32: read(bytes, at: 52), fileName: fileName, fileSize: fileSize)
        return (batch, headerLength)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
        var value = T.zero
        for index in (0..<MemoryLayout<T>.size).reversed() {
            value = value << 8 | T(bytes[offset + index])
        }
        return value
    }
}

/// Why a spool file was judged corrupt; becomes the quarantine log line.
struct CorruptionReason: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
