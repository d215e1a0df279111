/// Bytes to append to one file, relative to the data directory (e.g. `fox/2026/11/25/c1.csv`).
public struct FileAppend: Sendable, Equatable {
    public var relativePath: String
    public var bytes: [UInt8]
    public init(relativePath: String, bytes: [UInt8]) {
        self.relativePath = relativePath
        self.bytes = bytes
    }
}

/// What happened to an upload handed to the writer.
public enum CommitOutcome: Sendable, Equatable {
    /// Written and synced to disk.
    case stored
    /// The batch id was committed before (maybe before a restart); nothing was written again.
    case duplicate
}

/// Why an upload could not be made durable. Nothing of it is left in the files.
public struct StorageError: Error, CustomStringConvertible {
    public var errno: Int32
    public var operation: String
    public var path: String
    /// The store's own words (a database's message), said instead of `strerror`'s.
    public var detail: String? = nil
    public var description: String { "\(operation) \(path): \(detail ?? String(cString: strerror(errno)))" }
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
}

#if canImport(Glibc)
    import Glibc
#endif
