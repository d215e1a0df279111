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
/// Group commit, as the file store does it: uploads that arrive while a transaction is in flight
/// wait and go together in the next one, on the store's one connection
/// (``PostgresGroupCommit``). 200 is answered only after `COMMIT` returned (synchronous commit:
/// the WAL is flushed). A batch id stored before, by any receiver, is acknowledged without
/// storing the upload again (`fathom_batches`' primary key decides, also between two receivers
/// committing the same id at once).
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

    /// Connects, applies the schema's migrations (refusing a schema newer than this receiver
    /// knows) and starts the commit loop.
    public static func open(settings: StoreSettings, logger: Logger) async throws -> PostgresSampleStore {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let (connection, from, to) = try await PostgresSchema.connect(connector)
        let summary =
            "PostgreSQL \(connector.address.display), schema version \(to)"
            + (from == to ? "" : " (migrated from \(from))")
        return PostgresSampleStore(
            session: PostgresGroupCommit(connector: connector, connection: connection), summary: summary)
    }

    private init(session: PostgresGroupCommit, summary: String) {
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        address = session.connector.address.display
        startupSummary = summary
        let queue = self.queue
        loop = Task {
            for await _ in signals {
                while true {
                    let (jobs, stopped) = queue.withLock { q in
                        defer { q.jobs.removeAll(keepingCapacity: true) }
                        return (q.jobs, q.stopped)
                    }
                    if jobs.isEmpty {
                        if stopped {
                            await session.close()
                            return
                        }
                        break
                    }
                    await session.run(jobs)
                }
            }
            await session.close()
        }
    }

    public func commit(_ appends: [FileAppend], batchID: String?) async throws -> CommitOutcome {
        var rows = PostgresUploadRows()
        rows.add(appends)
        let result: Result<CommitOutcome, StorageError> = await withCheckedContinuation { continuation in
            enqueue(.upload(.init(rows: rows, batchID: batchID, answer: continuation))) {
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
