/// What the spool knows about one stored batch, read from its file header.
///
/// ```swift
/// let batch = try spool.append(kind: "samples", payload: body, recordCount: 120)
/// print(batch.id, batch.recordCount, batch.createdAt)
/// ```
public struct SpoolBatch: Sendable, Hashable {
    /// Random 128-bit identifier as 32 lowercase hex digits; the receiver can use it to drop replays.
    public let id: String
    /// Position in creation order within this spool directory.
    public let sequence: UInt64
    /// What the payload holds (`samples`, `sysinfo`, ...), so senders can route it.
    public let kind: String
    public let recordCount: Int
    /// When the batch was spooled: Unix seconds, to the millisecond the file header keeps.
    public let createdAt: Double
    public let payloadLength: Int
    public let payloadCRC32: UInt32
    /// Name of the file inside the spool directory.
    public let fileName: String
    /// Header plus payload: what the batch counts against the spool's byte limit.
    public let fileSize: Int

    public init(
        id: String, sequence: UInt64, kind: String, recordCount: Int, createdAt: Double,
        payloadLength: Int, payloadCRC32: UInt32, fileName: String, fileSize: Int
    ) {
        self.id = id
        self.sequence = sequence
        self.kind = kind
        self.recordCount = recordCount
        self.createdAt = createdAt
        self.payloadLength = payloadLength
        self.payloadCRC32 = payloadCRC32
        self.fileName = fileName
        self.fileSize = fileSize
    }
}

/// Why a spool operation failed.
public enum SpoolError: Error, Equatable, CustomStringConvertible {
    /// A system call failed; `errno` says why (ENOSPC, EACCES, ...).
    case io(operation: String, path: String, errno: Int32)
    /// The file failed a check and has been moved to the quarantine directory.
    case corrupt(fileName: String, reason: String)
    /// The batch is gone: already removed, or dropped to make room.
    case missing(fileName: String)
    /// A single batch larger than the whole spool can never be stored.
    case batchTooLarge(bytes: Int, maxBytes: Int)
    case invalidKind(String)
    case invalidRecordCount(Int)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "spool: \(operation) \(path): \(SpoolFileIO.errorText(code))"
        case .corrupt(let fileName, let reason):
            return "spool: \(fileName) is corrupt (\(reason)); moved to quarantine"
        case .missing(let fileName):
            return "spool: \(fileName) no longer exists"
        case .batchTooLarge(let bytes, let maxBytes):
            return "spool: batch of \(bytes) bytes exceeds the spool limit of \(maxBytes) bytes"
        case .invalidKind(let kind):
            return "spool: invalid batch kind '\(kind)' (use 1-64 characters of a-z, 0-9, '.', '_', '-')"
        case .invalidRecordCount(let count):
            return "spool: invalid record count \(count)"
        }
    }
}
