import Dispatch
import FathomShared
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends uploads to files under the data directory and acknowledges each only after its bytes
/// are on disk, sharing one `fdatasync` per file among all uploads that arrive together
/// (group commit).
///
/// One dedicated thread does all file I/O, so request handlers never block the event loops, and
/// writes to one file are naturally serialised. A group is atomic across every file it touches:
///
/// 1. its intent (each file's starting offset, length and checksum, and its batch ids) is written
///    to the commit journal and synced;
/// 2. the data is appended and the batch ids are appended to the ledger;
/// 3. data files, new directories and the ledger are synced, and only then is anyone answered
///    (with a sample index, once the group is folded into it too, on its own thread).
///
/// If a write or a sync fails, every file is cut back and the ledger record removed before the
/// uploads are refused; if the process dies anywhere in between, `CommitRecovery` does the same at
/// the next start unless the group had reached the disk whole. So an upload is either
/// acknowledged and stored once, or refused (or unanswered) and absent from the files and ledger.
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
    private let observer = Mutex<(@Sendable (_ uploads: Int, _ syncDuration: Duration?) -> Void)?>(nil)
    /// What start-up found of a commit a crash interrupted (for the log).
    public let recovery: String
    /// The writer thread's steps (one group commit each), for the watchdog: a sync that hangs
    /// past `groupBound` marks the receiver unhealthy.
    public let liveness = Liveness()
    public static let groupBound: Duration = .seconds(120)
    /// Folds each durable group into the sample index, then answers it; nil without an index.
    private let folder: IndexFoldThread?

    /// Seconds the oldest durable group has waited for the index (nil without an index).
    public var indexLagSeconds: Double? { folder?.lagSeconds }

    /// `index`: the sample index to fold each committed group into (and to catch up at start).
    public convenience init(
        dataDirectory: String, index: SampleIndex? = nil, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }
    ) throws {
        try self.init(dataDirectory: dataDirectory, clock: clock, faults: CommitFaults.fromEnvironment(), index: index)
    }

    /// With faults given directly (tests).
    init(
        dataDirectory: String, clock: @escaping @Sendable () -> Int64, faults: CommitFaults, index: SampleIndex? = nil
    ) throws {
        var faults = faults
        self.dataDirectory = dataDirectory
        try Self.makeDirectories(dataDirectory, mode: 0o755, syncParents: false)
        let stateDir = dataDirectory + "/.fathom"
        try Self.makeDirectories(stateDir, mode: 0o700, syncParents: true)
        let journal = try CommitJournal(path: stateDir + "/commit-journal")
        let ledger = try BatchLedger(path: stateDir + "/batch-ledger", now: clock())
        let settled = try CommitRecovery.settle(
            journal: journal, ledger: ledger, root: dataDirectory, now: clock(), faults: &faults)
        // After recovery settled the files: fold what they hold past the index's marks (a crash
        // between a group's sync and its fold, or a tree the index has not seen).
        if let index {
            let lines = try index.catchUp()
            recovery = settled.description + "; sample index caught up \(lines) lines"
        } else {
            recovery = settled.description
        }
        liveness.register("writer", bound: Self.groupBound)
        let state = WriterState(
            journal: journal, ledger: ledger, files: OpenFiles(root: dataDirectory), faults: faults,
            sequence: max(ledger.maxSequence, journal.read()?.sequence ?? 0))
        folder = index.map { IndexFoldThread(index: $0) }
        let thread = Thread { [self] in
            self.run(state, clock: clock)
        }
        thread.name = "fathom-writer"
        thread.start()
    }

    /// Number of sync rounds and uploads committed so far (for benchmarks and tests).
    public var counters: (groups: Int, uploads: Int) { stats.withLock { $0 } }

    /// `body` is called on the writer thread after each group with its upload count and sync time
    /// (nil when it failed before syncing), for the receiver's metrics; it must be cheap.
    public func observeCommits(_ body: @escaping @Sendable (_ uploads: Int, _ syncDuration: Duration?) -> Void) {
        observer.withLock { $0 = body }
    }

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

    private func run(_ state: WriterState, clock: () -> Int64) {
        while true {
            wake.wait()
            let (batch, stopped) = queue.withLock { q in
                defer { q.pending.removeAll(keepingCapacity: true) }
                return (q.pending, q.stopped)
            }
            if !batch.isEmpty {
                let (results, durable) = liveness.stepSync("writer") {
                    state.commitGroup(batch.map { ($0.appends, $0.batchID) }, now: clock())
                }
                stats.withLock {
                    $0.groups += 1
                    $0.uploads += batch.count
                }
                observer.withLock { $0 }?(batch.count, state.lastSyncDuration)
                let answers = zip(batch.map(\.continuation), results).map { ($0, $1) }
                let answer: @Sendable () -> Void = {
                    for (continuation, result) in answers { continuation.resume(with: result) }
                }
                // The index thread answers once the group is folded, while this thread goes on to
                // the next group's writes and sync: the fold overlaps the next fdatasync.
                if let folder, !durable.isEmpty { folder.enqueue(durable, then: answer) } else { answer() }
            }
            if stopped && queue.withLock({ $0.pending.isEmpty }) {
                folder?.finish()
                state.files.closeAll()
                finished.signal()
                return
            }
        }
    }

    static func makeDirectories(_ path: String, mode: mode_t, syncParents: Bool) throws(StorageError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 {
                if syncParents {
                    try? PosixFile.syncDirectory(String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)]))
                }
            } else if errno != EEXIST {
                throw StorageError(errno: errno, operation: "mkdir", path: current)
            }
        }
    }
}
