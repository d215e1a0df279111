import FathomShared
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The scale-out store: uploads go to one PostgreSQL database that every receiver of a site
/// shares, so receivers are stateless and interchangeable.
///
/// Group commit, as the file store does it: uploads that arrive while transactions are in flight
/// wait and go together in the next one, on whichever of the store's ``sessionCount``
/// connections is free (``PostgresGroupCommit``; one streams its lines while another waits for
/// the commit clock and `COMMIT`). 200 is answered only after `COMMIT` returned (synchronous commit:
/// the WAL is flushed). A batch id stored before, by any receiver, is acknowledged without
/// storing the upload again (`fathom_batches`' primary key decides, also between two receivers
/// committing the same id at once).
///
/// With the sample index on, each upload's lines are also folded by its own task (`SampleFold`)
/// and added to the index tables in the same transaction (``PostgresIndexRows``), which every
/// receiver's Grafana reads (``seriesIndex``, a ``PostgresSampleIndex``).
///
/// When the database cannot be reached, the group's uploads are refused (503, nothing stored),
/// `/ping` reports the store down, and the next upload or ping connects again.
///
/// ```swift
/// let store = try await PostgresSampleStore.open(settings: StoreSettings(url: url), logger: logger)
/// let outcome = try await store.commit(appends, batchID: "fox/5f2b9c")
/// await store.close()
/// ```
public final class PostgresSampleStore: SampleStore {
    enum Job: Sendable {
        case upload(PostgresGroupCommit.Upload)
        case probe(CheckedContinuation<String?, Never>)
    }

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
    }

    /// Shared by the handlers that enqueue and the commit loop that drains.
    private final class SharedQueue: Sendable {
        let state = Mutex(Queue())
        func withLock<T>(_ body: (inout Queue) -> T) -> T { state.withLock { body(&$0) } }
    }

    private let queue = SharedQueue()
    private let wake: AsyncStream<Void>.Continuation
    private let loop: Task<Void, Never>
    private let address: String
    public let startupSummary: String
    /// The index tables this store writes in each group and Grafana reads; nil when turned off.
    private let index: PostgresSampleIndex?
    /// Connections committing groups at once: one streams its lines while the other waits for
    /// its turn at the commit clock and for `COMMIT`'s flush.
    static let sessionCount = 2
    public var seriesIndex: (any SampleSeriesIndex)? { index }

    /// Connects, applies the schema's migrations (refusing a schema newer than this receiver
    /// knows) and starts the commit loop.
    /// `sampleIndex`: fold each upload into the index tables Grafana reads (``seriesIndex``).
    public static func open(settings: StoreSettings, sampleIndex: Bool = true, logger: Logger) async throws
        -> PostgresSampleStore
    {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let (connection, from, to) = try await PostgresSchema.connect(connector)
        let summary =
            "PostgreSQL \(connector.address.display), schema version \(to)"
            + (from == to ? "" : " (migrated from \(from))")
        // The others connect when first needed (and again after a loss), as the first does then.
        let sessions =
            [PostgresGroupCommit(connector: connector, connection: connection)]
            + (1..<sessionCount).map { _ in PostgresGroupCommit(connector: connector, connection: nil) }
        return PostgresSampleStore(
            sessions: sessions, index: sampleIndex ? PostgresSampleIndex(connector: connector) : nil,
            summary: summary + (sampleIndex ? "; sample index on" : "; sample index off"))
    }

    private init(sessions: [PostgresGroupCommit], index: PostgresSampleIndex?, summary: String) {
        self.index = index
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        address = sessions[0].connector.address.display
        startupSummary = summary
        let queue = self.queue
        loop = Task {
            // Whatever is queued goes to an idle session as one group; with every session busy
            // it waits for one to finish, so groups grow while the database is busy.
            await withTaskGroup(of: PostgresGroupCommit.self) { running in
                // A stack with the first session on top: one upload at a time uses only it (the
                // others connect once uploads overlap).
                var idle = Array(sessions.reversed())
                for await _ in signals {
                    while true {
                        if idle.isEmpty, let done = await running.next() { idle.append(done) }
                        let (jobs, stopped) = queue.withLock { q in
                            defer { q.jobs.removeAll(keepingCapacity: true) }
                            return (q.jobs, q.stopped)
                        }
                        if jobs.isEmpty {
                            if stopped {
                                await running.waitForAll()
                                for session in sessions { await session.close() }
                                return
                            }
                            break
                        }
                        let session = idle.removeLast()
                        running.addTask {
                            await session.run(jobs)
                            return session
                        }
                    }
                }
                await running.waitForAll()
                for session in sessions { await session.close() }
            }
        }
    }

    public func commit(_ appends: [FileAppend], batchID: String?) async throws -> CommitOutcome {
        var rows = PostgresUploadRows()
        rows.add(appends)
        // Folded here, on the upload's own task: the group's transaction only merges and sends.
        var fold: SampleFold?
        if index != nil {
            var folded = SampleFold()
            for append in appends where SampleIndex.isDayFile(append.relativePath) {
                folded.add(cluster: SampleIndex.cluster(of: append.relativePath), bytes: append.bytes[...])
            }
            if !folded.isEmpty { fold = folded }
        }
        let result: Result<CommitOutcome, StorageError> = await withCheckedContinuation { continuation in
            enqueue(.upload(.init(rows: rows, batchID: batchID, fold: fold, answer: continuation))) {
                continuation.resume(
                    returning: .failure(
                        StorageError(errno: ESHUTDOWN, operation: "commit", path: self.address, detail: "shutting down")
                    ))
            }
        }
        return try result.get()
    }

    /// Asks the database (`SELECT 1`, connecting first when the last try failed).
    public func unavailableReason() async -> String? {
        await withCheckedContinuation { continuation in
            enqueue(.probe(continuation)) { continuation.resume(returning: "store \(self.address) is shutting down") }
        }
    }

    public func close() async {
        queue.withLock { $0.stopped = true }
        wake.yield()
        wake.finish()
        await loop.value
        await index?.close()
    }

    private func enqueue(_ job: Job, refused: () -> Void) {
        let accepted = queue.withLock { q -> Bool in
            if q.stopped { return false }
            q.jobs.append(job)
            return true
        }
        if accepted { wake.yield() } else { refused() }
    }
}
