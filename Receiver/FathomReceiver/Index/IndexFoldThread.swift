import Dispatch
import Foundation
import Synchronization

/// The thread that folds durable groups into the sample index and only then answers their
/// uploads, so an acknowledged upload is in the files and the index. It runs beside the writer
/// thread: while it folds group N the writer already writes and syncs group N+1, and groups that
/// queue up meanwhile are folded in one SQLite transaction.
///
/// A failed fold still answers (the files are durable): the next fold of the same file reads the
/// gap from the file, and the start-up catch-up folds what a crash left.
///
/// ```swift
/// let folder = IndexFoldThread(index: index)
/// folder.enqueue(segments) { answerUploads() }
/// folder.finish()   // at shutdown: folds and answers what is queued
/// ```
final class IndexFoldThread: Sendable {
    private struct Job {
        var segments: [SampleIndex.Segment]
        var answer: @Sendable () -> Void
        var enqueued: ContinuousClock.Instant
    }

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
        /// When the oldest group not yet folded was handed over (nil when all are folded).
        var waitingSince: ContinuousClock.Instant?
    }

    private let index: SampleIndex
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let failures = Mutex(0)

    init(index: SampleIndex) {
        self.index = index
        let thread = Thread { [self] in self.run() }
        thread.name = "fathom-index"
        thread.start()
    }

    /// Folds that failed and were made up later (for logs and tests).
    var failedFolds: Int { failures.withLock { $0 } }

    func enqueue(_ segments: [SampleIndex.Segment], then answer: @escaping @Sendable () -> Void) {
        let now = ContinuousClock.now
        queue.withLock {
            $0.jobs.append(Job(segments: segments, answer: answer, enqueued: now))
            if $0.waitingSince == nil { $0.waitingSince = now }
        }
        wake.signal()
    }

    /// How long the oldest durable group has waited for its fold, in seconds (0 when none waits):
    /// the index's lag behind the files, exported as `fathom_receiver_index_lag_seconds`.
    var lagSeconds: Double {
        guard let since = queue.withLock({ $0.waitingSince }) else { return 0 }
        let waited = ContinuousClock.now - since
        return Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18
    }

    /// Folds and answers everything queued, then stops the thread.
    func finish() {
        queue.withLock { $0.stopped = true }
        wake.signal()
        finished.wait()
    }

    private func run() {
        while true {
            wake.wait()
            let (jobs, stopped) = queue.withLock { q in
                defer { q.jobs.removeAll(keepingCapacity: true) }
                return (q.jobs, q.stopped)
            }
            if !jobs.isEmpty {
                do {
                    try index.fold(jobs.flatMap(\.segments))
                } catch {
                    failures.withLock { $0 += 1 }
                }
                queue.withLock { $0.waitingSince = $0.jobs.first?.enqueued }
                for job in jobs { job.answer() }
            }
            if stopped && queue.withLock({ $0.jobs.isEmpty }) {
                finished.signal()
                return
            }
        }
    }
}
