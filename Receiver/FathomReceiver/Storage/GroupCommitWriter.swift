#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import FathomShared
import Foundation
import Synchronization

/// Appends uploads to files under the data directory and acknowledges each only after its bytes
/// are on disk, sharing one `fdatasync` per file among all uploads that arrive together
/// (group commit).
///
/// One dedicated thread does all file I/O, so request handlers never block the event loops, and
/// writes to one file are naturally serialised. An upload is applied whole or not at all: if any
/// write fails, the files it touched are truncated back to their previous length.
///
/// ```swift
/// let writer = try GroupCommitWriter(dataDirectory: "/var/lib/fathom/data")
/// let outcome = try await writer.commit([FileAppend(relativePath: "fox/2026/11/25/c1.csv", bytes: line)], batchID: id)
/// ```
public final class GroupCommitWriter: Sendable {
    private struct Pending {
        var appends: [FileAppend]
        var batchID: String?
        var continuation: CheckedContinuation<CommitOutcome, any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    public let dataDirectory: String
    private let stats = Mutex((groups: 0, uploads: 0))

    public init(dataDirectory: String, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) throws {
        self.dataDirectory = dataDirectory
        try Self.makeDirectories(dataDirectory, mode: 0o755, syncParents: false)
        let stateDir = dataDirectory + "/.fathom"
        try Self.makeDirectories(stateDir, mode: 0o700, syncParents: true)
        let ledger = try BatchLedger(path: stateDir + "/batch-ledger", now: clock())
        let files = OpenFiles(root: dataDirectory)
        let thread = Thread { [self] in
            self.run(ledger: ledger, files: files, clock: clock)
        }
        thread.name = "fathom-writer"
        thread.start()
    }

    /// Number of sync rounds and uploads committed so far (for benchmarks and tests).
    public var counters: (groups: Int, uploads: Int) { stats.withLock { $0 } }

    /// Durably appends all of `appends`, or nothing. A `batchID` seen before is not written again.
    public func commit(_ appends: [FileAppend], batchID: String? = nil) async throws -> CommitOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { q -> Bool in
                if q.stopped { return false }
                q.pending.append(Pending(appends: appends, batchID: batchID, continuation: continuation))
                return true
            }
            if accepted {
                wake.signal()
            } else {
                continuation.resume(throwing: StorageError(errno: ESHUTDOWN, operation: "commit", path: dataDirectory))
            }
        }
    }

    /// Finishes everything queued, then stops the writer thread.
    public func shutdown() {
        let first = queue.withLock { q -> Bool in
            defer { q.stopped = true }
            return !q.stopped
        }
        guard first else { return }
        wake.signal()
        finished.wait()
    }

    private func run(ledger: BatchLedger, files: OpenFiles, clock: () -> Int64) {
        while true {
            wake.wait()
            let (batch, stopped) = queue.withLock { q in
                defer { q.pending.removeAll(keepingCapacity: true) }
                return (q.pending, q.stopped)
            }
            if !batch.isEmpty { commitGroup(batch, ledger: ledger, files: files, now: clock()) }
            if stopped && queue.withLock({ $0.pending.isEmpty }) {
                files.closeAll()
                finished.signal()
                return
            }
        }
    }

    private func commitGroup(_ batch: [Pending], ledger: BatchLedger, files: OpenFiles, now: Int64) {
        var results: [Result<CommitOutcome, any Error>] = Array(repeating: .success(.stored), count: batch.count)
        var idsInGroup: Set<String> = []
        var newIDs: [String] = []
        files.beginGroup()
        for (i, item) in batch.enumerated() {
            if let id = item.batchID, ledger.contains(id) || idsInGroup.contains(id) {
                results[i] = .success(.duplicate)
                continue
            }
            do {
                try files.apply(item.appends)
                if let id = item.batchID {
                    idsInGroup.insert(id)
                    newIDs.append(id)
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        do {
            try ledger.append(newIDs, now: now)
            try files.syncGroup(extra: ledger.fd)
            ledger.markCommitted(newIDs)
        } catch {
            // We cannot tell which bytes reached the disk: fail every upload of the group, so the
            // agents keep their batches and send them again.
            for i in results.indices { if case .success(.stored) = results[i] { results[i] = .failure(error) } }
        }
        stats.withLock {
            $0.groups += 1
            $0.uploads += batch.count
        }
        for (item, result) in zip(batch, results) { item.continuation.resume(with: result) }
    }

    static func makeDirectories(_ path: String, mode: mode_t, syncParents: Bool) throws(StorageError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 {
                if syncParents { try? PosixFile.syncDirectory(String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])) }
            } else if errno != EEXIST {
                throw StorageError(errno: errno, operation: "mkdir", path: current)
            }
        }
    }
}
