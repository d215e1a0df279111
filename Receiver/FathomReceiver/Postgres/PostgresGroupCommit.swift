import FathomShared
import Logging
import NIOCore
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One receiver's connection to the store and what runs on it: each group of uploads in one
/// transaction, and `/ping`'s probes.
///
/// A group's transaction: its group id (a sequence), then the batch ids (`INSERT … ON CONFLICT DO
/// NOTHING RETURNING`, in sorted order so two receivers never wait on each other's ids
/// crosswise), then the lines (`COPY`) and sysinfo documents of the uploads whose ids were new,
/// then the next number of the commit clock with the group id (`fathom_commits`; the clock's row
/// lock orders all groups from here to their `COMMIT`, for `export-tree`), then their folds added
/// to the index tables (``PostgresIndexRows``), then `COMMIT`. Everything before the clock runs
/// in parallel with other groups, of other receivers and of this store's other connection. An id another receiver holds in
/// an open transaction makes this one wait for its outcome: committed, the upload here is a
/// duplicate; rolled back, it is stored here.
///
/// A lost connection is dropped and opened again for the next group. A group that failed on a
/// connection that had served before (the database restarted meanwhile) is tried once more on a
/// new one, but only if its `COMMIT` was never sent: after that its outcome is unknown and the
/// uploads are refused (the agent's retry is then recognised by its batch id).
actor PostgresGroupCommit {
    struct Upload: Sendable {
        /// The upload's rows, made by its own task before it joined the queue.
        var rows: PostgresUploadRows
        var batchID: String?
        /// The upload's lines folded for the index (by its own task); nil without an index.
        var fold: SampleFold?
        var answer: CheckedContinuation<Result<CommitOutcome, StorageError>, Never>
    }

    let connector: PostgresConnector
    private var connection: PostgresConnection?
    /// Days whose partition exists (made or seen by this receiver).
    private var partitions: Set<String> = []
    private var logger: Logger { connector.logger }

    init(connector: PostgresConnector, connection: PostgresConnection?) {
        self.connector = connector
        self.connection = connection
    }

    func close() async {
        try? await connection?.close()
        connection = nil
    }

    /// Commits the uploads among `jobs` as one group, then answers the probes.
    func run(_ jobs: [PostgresSampleStore.Job]) async {
        var uploads: [Upload] = []
        var probes: [CheckedContinuation<String?, Never>] = []
        for job in jobs {
            switch job {
            case .upload(let upload): uploads.append(upload)
            case .probe(let probe): probes.append(probe)
            }
        }
        var reason: String?
        if !uploads.isEmpty {
            let results = await commitGroup(uploads)
            for (upload, result) in zip(uploads, results) { upload.answer.resume(returning: result) }
            reason = results.lazy.compactMap { try? $0.get() }.first == nil ? results.first?.failure : nil
        }
        if !probes.isEmpty {
            if reason == nil { reason = await probe() }
            for probe in probes { probe.resume(returning: reason) }
        }
    }

    /// Nil when `SELECT 1` answers.
    private func probe() async -> String? {
        do {
            let connection = try await connected().connection
            try await bounded(connection) { [logger] in _ = try await connection.query("SELECT 1", logger: logger) }
            return nil
        } catch {
            drop()
            return "store \(connector.address.display) unavailable: \(PostgresFailure(error))"
        }
    }

    private func connected() async throws -> (connection: PostgresConnection, fresh: Bool) {
        if let connection, !connection.isClosed { return (connection, false) }
        let made = try await connector.connect()
        connection = made
        return (made, true)
    }

    private func drop() {
        connection?.closeInBackground()
        connection = nil
    }

    private func commitGroup(_ uploads: [Upload]) async -> [Result<CommitOutcome, StorageError>] {
        var attempt = 0
        while true {
            attempt += 1
            let sent = CommitSent()
            var fresh = true
            do {
                let (connection, isFresh) = try await connected()
                fresh = isFresh
                return try await bounded(connection) {
                    try await self.transaction(uploads, on: connection, commitSent: sent).map { .success($0) }
                }
            } catch {
                let commitSent = sent.value
                let failure = PostgresFailure(error)
                if failure.lostConnection {
                    drop()
                    if !fresh && !commitSent && attempt < 3 { continue }
                } else {
                    await rollBack()
                    switch failure.sqlState {
                    // Deadlock or serialization failure: the whole group again.
                    case "40P01" where attempt < 5, "40001" where attempt < 5: continue
                    // No partition for a day: another process pruned it; make it again.
                    case "23514" where attempt < 3:
                        partitions.removeAll()
                        continue
                    default: break
                    }
                }
                logger.error(
                    "group not stored", metadata: ["store": "\(connector.address.display)", "error": "\(failure)"])
                let refusal = StorageError(
                    errno: failure.lostConnection ? ECONNREFUSED : EIO, operation: "commit",
                    path: connector.address.display, detail: failure.description)
                return uploads.map { _ in .failure(refusal) }
            }
        }
    }

    /// Runs `body` within ``PostgresDeadline/limit``; past it the connection is closed and the
    /// group or probe fails (503), whether or not `body` ever returns.
    private func bounded<T: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await PostgresDeadline.run(on: connection, body)
        } catch let expired as PostgresDeadline.Expired {
            logger.error("\(expired); closing the connection", metadata: ["store": "\(connector.address.display)"])
            throw expired
        }
    }

    private func rollBack() async {
        guard let connection else { return }
        // A request written to a closed channel is never answered (see PostgresFailure.lostConnection).
        guard !connection.isClosed else { return drop() }
        do {
            try await bounded(connection) { [logger] in _ = try await connection.query("ROLLBACK", logger: logger) }
        } catch {
            drop()
        }
    }

    /// Set once a group's `COMMIT` is on its way: from then on its outcome is unknown.
    private final class CommitSent: Sendable {
        private let sent = Mutex(false)
        var value: Bool { sent.withLock { $0 } }
        func set() { sent.withLock { $0 = true } }
    }

    /// One transaction for the whole group; the outcome of each upload, in order.
    private func transaction(
        _ uploads: [Upload], on connection: PostgresConnection, commitSent: CommitSent
    ) async throws -> [CommitOutcome] {
        var days: Set<String> = []
        for upload in uploads { days.formUnion(upload.rows.days) }
        let missing = days.subtracting(partitions)
        if !missing.isEmpty {
            try await PostgresPartitions.ensure(days: missing, on: connection, logger: logger)
            partitions.formUnion(missing)
        }
        // An id twice in one group: the first is stored (or found stored), the second is its duplicate.
        var firstOfID: [String: Int] = [:]
        for (index, upload) in uploads.enumerated() {
            if let id = upload.batchID, firstOfID[id] == nil { firstOfID[id] = index }
        }
        try await connection.query("BEGIN", logger: logger)
        // The group's id now, its commit number at the end (see PostgresSchema.commitLog).
        var groupID: Int64 = 0
        for try await id in try await connection.query("SELECT nextval('fathom_group_seq')", logger: logger)
            .decode(Int64.self)
        {
            groupID = id
        }
        var stored = Set<String>()
        if !firstOfID.isEmpty {
            let ids = firstOfID.keys.sorted()
            for try await id in try await connection.query(
                """
                INSERT INTO fathom_batches (id) SELECT unnest(\(ids)::text[])
                ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger
            ).decode(String.self) {
                stored.insert(id)
            }
        }
        var outcomes: [CommitOutcome] = []
        var sampleRows: [PostgresUploadRows] = []
        var sysinfo = PostgresUploadRows()
        var folds: [SampleFold] = []
        for (index, upload) in uploads.enumerated() {
            if let id = upload.batchID, firstOfID[id] != index || !stored.contains(id) {
                outcomes.append(.duplicate)
                continue
            }
            outcomes.append(.stored)
            if upload.rows.sampleCount > 0 { sampleRows.append(upload.rows) }
            if !upload.rows.sysinfoDocument.isEmpty { sysinfo.appendSysinfo(of: upload.rows) }
            if let fold = upload.fold { folds.append(fold) }
        }
        if !sampleRows.isEmpty {
            // COPY, as psql's `\copy` does: the group's lines as text rows in one message.
            var text = ByteBuffer()
            for rows in sampleRows { rows.writeCopyText(group: groupID, to: &text) }
            try await PostgresCopyIn.run(
                table: "fathom_samples", columns: PostgresUploadRows.sampleColumns, chunks: [text], on: connection,
                logger: logger)
        }
        if !sysinfo.sysinfoDocument.isEmpty {
            let rows = sysinfo
            try await connection.query(
                """
                INSERT INTO fathom_sysinfo (day, cluster, host, time, document, group_id)
                SELECT d::date, c, h, to_timestamp(t), doc, \(groupID)
                FROM unnest(\(rows.sysinfoDay)::text[], \(rows.sysinfoCluster)::text[], \(rows.sysinfoHost)::text[],
                            \(rows.sysinfoTime)::int8[], \(rows.sysinfoDocument)::text[])
                     WITH ORDINALITY AS x(d, c, h, t, doc, o)
                ORDER BY o
                """, logger: logger)
        }
        // The commit clock last: groups of all receivers take turns from here to COMMIT, so the
        // numbers commit in order (export-tree follows them) and the index rows below are
        // written by one group at a time (no deadlock between groups adding to the same minutes).
        try await connection.query(
            """
            WITH c AS (UPDATE fathom_commit_clock SET n = n + 1 RETURNING n)
            INSERT INTO fathom_commits (n, group_id) SELECT n, \(groupID) FROM c
            """, logger: logger)
        // The index: only what this group stored (a replay adds nothing), added to every receiver's rows.
        if var fold = folds.popLast() {
            for other in folds { fold.merge(other) }
            try await PostgresIndexRows(fold).write(on: connection, logger: logger)
        }
        commitSent.set()
        try await connection.query("COMMIT", logger: logger)
        return outcomes
    }
}

extension Result where Failure == StorageError {
    /// The error's words, or nil for a success.
    fileprivate var failure: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
