import FathomShared
import Logging
import Synchronization

/// A bounded, crash-safe queue of batches on disk: one file per batch, oldest first.
///
/// ```swift
/// let spool = try SpoolDirectory(path: "/var/spool/fathom", maxBytes: 64 << 20)
/// try spool.append(kind: "samples", payload: body, recordCount: 120)
/// for batch in try spool.pending() {
///     let (_, payload) = try spool.load(batch)
///     try await send(payload)
///     try spool.remove(batch)
/// }
/// ```
///
/// A final class guarding its state with a `Mutex`, not an actor: every operation is a short run of
/// blocking syscalls (write, fsync, rename), which would block an actor's cooperative thread just the
/// same. Async callers (the daemon, delivery) therefore call it through `BlockingWork.run`, so
/// neither an fsync nor a wait for the lock holds a cooperative thread; tests call it directly.
/// The lock serialises all changes to the directory, so byte accounting and sequence numbers stay exact.
///
/// The directory is the source of truth; memory only caches decoded headers. Files written while
/// the agent was down, or by hand, are picked up by `pending()`. One agent per directory is assumed.
public final class SpoolDirectory: Sendable {
    public let path: String
    /// Batches are dropped oldest-first so that files in the spool never add up to more than this.
    public let maxBytes: Int
    /// Where files that fail their checks are moved, for a human to inspect.
    public var quarantinePath: String { path + "/quarantine" }
    /// Quarantine keeps only the newest files so that a disk producing garbage cannot fill up.
    static let maxQuarantineFiles = 64

    let logger: Logger
    private let now: @Sendable () -> Double
    let state: Mutex<State>

    struct State {
        var nextSequence: UInt64 = 0
        /// Decoded headers by file name, and the names in creation order.
        var batches: [String: SpoolBatch] = [:]
        var order: [String] = []
        var totalBytes = 0
        var droppedBatches = 0
        var droppedRecords = 0
    }

    /// Opens (creating with mode 0700 if needed) the spool at `path`, removes temp files left by a
    /// crash mid-write, and quarantines batch files that fail their header checks.
    public init(
        path: String, maxBytes: Int, logger: Logger = Logger(label: "fathom.spool"),
        now: @escaping @Sendable () -> Double = { SampleSchedule.now() }
    ) throws {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        self.maxBytes = maxBytes
        self.logger = logger
        self.now = now
        self.state = Mutex(State())
        try SpoolFileIO.makeDirectories(self.path)
        try SpoolFileIO.makeDirectories(quarantinePath)
        try state.withLock { state throws in
            try removeTempFiles()
            try refresh(&state)
            state.nextSequence = state.order.last.flatMap { state.batches[$0]?.sequence }.map { $0 + 1 } ?? 0
        }
    }

    /// Batches dropped to respect `maxBytes` since this object was created.
    public var droppedBatches: Int { state.withLock { $0.droppedBatches } }
    /// Records in those dropped batches: data that will never reach the receiver.
    public var droppedRecords: Int { state.withLock { $0.droppedRecords } }
    /// Bytes currently held by batch files (quarantine excluded).
    public var totalBytes: Int { state.withLock { $0.totalBytes } }

    /// Stores a batch durably: once this returns, the batch survives a crash or power cut.
    ///
    /// If the spool would exceed `maxBytes`, the oldest batches are deleted first and counted in
    /// `droppedBatches`/`droppedRecords`. `kind` is 1-64 characters of a-z, 0-9, `.`, `_`, `-`.
    @discardableResult
    public func append(kind: String, payload: some Collection<UInt8>, recordCount: Int) throws -> SpoolBatch {
        guard SpoolFileFormat.isValidKind(kind) else { throw SpoolError.invalidKind(kind) }
        guard recordCount >= 0, recordCount <= Int(UInt32.max) else { throw SpoolError.invalidRecordCount(recordCount) }
        var rng = SystemRandomNumberGenerator()
        let idBytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let id = LowerHex.encode(idBytes)
        let payloadBytes = Array(payload)
        let payloadCRC = CRC32.checksum(payloadBytes)
        // Stored with millisecond precision; the returned metadata matches what `pending()` will read back.
        let millis = Int64((now() * 1000).rounded())

        return try state.withLock { state throws in
            let sequence = state.nextSequence
            let bytes = SpoolFileFormat.encode(
                id: idBytes, sequence: sequence, kind: kind, recordCount: recordCount, createdAtMillis: millis,
                payload: payloadBytes, payloadCRC32: payloadCRC)
            guard bytes.count <= maxBytes else {
                throw SpoolError.batchTooLarge(bytes: bytes.count, maxBytes: maxBytes)
            }
            // Never reuse a sequence number, even if this write fails half-way.
            state.nextSequence += 1
            try makeRoom(for: bytes.count, &state)
            let name = SpoolFileFormat.fileName(sequence: sequence, id: id)
            try SpoolFileIO.writeDurably(
                bytes, tempPath: path + "/" + SpoolFileFormat.tempPrefix + name, finalPath: path + "/" + name,
                directory: path)
            let batch = SpoolBatch(
                id: id, sequence: sequence, kind: kind, recordCount: recordCount,
                createdAt: Double(millis) / 1000, payloadLength: payloadBytes.count,
                payloadCRC32: payloadCRC, fileName: name, fileSize: bytes.count)
            state.batches[name] = batch
            state.order.append(name)
            state.totalBytes += bytes.count
            return batch
        }
    }

    /// Stored batches, oldest first. Files whose header is damaged, truncated or inconsistent with
    /// their name are moved to quarantine and left out; payload checksums are verified by `load`.
    public func pending() throws -> [SpoolBatch] {
        try state.withLock { state throws in
            try refresh(&state)
            return state.order.compactMap { state.batches[$0] }
        }
    }

    /// Reads a batch and verifies its length and checksum. A batch that fails is quarantined and
    /// `SpoolError.corrupt` is thrown; a batch removed in the meantime gives `SpoolError.missing`.
    public func load(_ batch: SpoolBatch) throws -> (batch: SpoolBatch, payload: [UInt8]) {
        try state.withLock { state throws in
            guard let (bytes, size) = try SpoolFileIO.read(path + "/" + batch.fileName) else {
                forget(batch.fileName, &state)
                throw SpoolError.missing(fileName: batch.fileName)
            }
            do throws(CorruptionReason) {
                let (header, headerLength) = try SpoolFileFormat.decodeHeader(
                    bytes, fileName: batch.fileName, fileSize: size)
                let payload = bytes[headerLength...]
                guard payload.count == header.payloadLength else {
                    throw CorruptionReason(
                        "truncated while reading: \(payload.count) of \(header.payloadLength) payload bytes")
                }
                guard CRC32.checksum(payload) == header.payloadCRC32 else {
                    throw CorruptionReason("payload checksum mismatch")
                }
                return (header, Array(payload))
            } catch {
                quarantineFile(batch.fileName, reason: error.text, &state)
                throw SpoolError.corrupt(fileName: batch.fileName, reason: error.text)
            }
        }
    }

    /// Deletes a batch once the receiver has acknowledged it. Removing a batch that is already gone
    /// (for example dropped for space) is not an error.
    public func remove(_ batch: SpoolBatch) throws {
        try state.withLock { state throws in
            try SpoolFileIO.remove(path + "/" + batch.fileName)
            try SpoolFileIO.syncDirectory(path)
            forget(batch.fileName, &state)
        }
    }

    /// Moves a batch the receiver rejected as malformed out of the queue, so it is not retried
    /// forever. Never throws: failures are logged and, as a last resort, the file is deleted.
    public func quarantine(_ batch: SpoolBatch, reason: String) {
        state.withLock { state in quarantineFile(batch.fileName, reason: reason, &state) }
    }
}
