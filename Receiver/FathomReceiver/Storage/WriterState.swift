import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the writer thread owns, and the group commit itself (see `GroupCommitWriter` for the
/// protocol: intent synced, then data and ledger, then one sync, then answers).
final class WriterState: @unchecked Sendable {  // confined to the writer thread after init
    let journal: CommitJournal
    let ledger: BatchLedger
    let files: OpenFiles
    private var faults: CommitFaults
    private var sequence: UInt64
    /// Set when a failed group could not be taken back: nothing more is accepted until a restart
    /// lets recovery settle the files from the journal.
    private var unsettled: StorageError?
    /// How long the last group's sync took; nil when the group did not reach its sync (metrics).
    private(set) var lastSyncDuration: Duration?

    init(journal: CommitJournal, ledger: BatchLedger, files: OpenFiles, faults: CommitFaults, sequence: UInt64) {
        self.journal = journal
        self.ledger = ledger
        self.files = files
        self.faults = faults
        self.sequence = sequence
    }

    /// One planned file of the group: where its bytes go and what they are.
    private struct FilePlan {
        var fd: Int32
        var path: String
        var bytes: [UInt8] = []
        var offset: Int64 = 0
    }

    /// Commits one group; one result per upload, in order, and the segments the group made
    /// durable (empty when it failed), for the sample index to fold before the answers go out.
    func commitGroup(_ uploads: [(appends: [FileAppend], batchID: String?)], now: Int64)
        -> (results: [Result<CommitOutcome, any Error>], durable: [SampleIndex.Segment])
    {
        var results = [Result<CommitOutcome, any Error>](repeating: .success(.stored), count: uploads.count)
        lastSyncDuration = nil
        if let unsettled { return (results.map { _ in .failure(unsettled) }, []) }
        var plans: [FilePlan] = []
        var planIndex: [Int32: Int] = [:]
        var members: [Int] = []
        var newIDs: [String] = []
        var idsInGroup: Set<String> = []
        files.beginGroup()
        // Opening files is where one upload's own problem shows (a name, a permission): it fails
        // that upload alone, before the group writes anything.
        for (i, upload) in uploads.enumerated() {
            if let id = upload.batchID, ledger.contains(id) || idsInGroup.contains(id) {
                results[i] = .success(.duplicate)
                continue
            }
            do throws(StorageError) {
                var fds: [Int32] = []
                for a in upload.appends { fds.append(try files.descriptor(for: a.relativePath)) }
                for (fd, a) in zip(fds, upload.appends) {
                    if planIndex[fd] == nil {
                        planIndex[fd] = plans.count
                        plans.append(FilePlan(fd: fd, path: a.relativePath))
                    }
                    plans[planIndex[fd]!].bytes.append(contentsOf: a.bytes)
                }
                members.append(i)
                if let id = upload.batchID {
                    idsInGroup.insert(id)
                    newIDs.append(id)
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        guard !members.isEmpty else { return (results, []) }
        var durable: [SampleIndex.Segment] = []
        do throws(StorageError) {
            try write(&plans, ids: newIDs, now: now)
            ledger.markCommitted(newIDs, now: now)
            faults.reached(.afterSyncBeforeIndex)
            durable = plans.map { SampleIndex.Segment(relativePath: $0.path, offset: $0.offset, bytes: $0.bytes) }
        } catch {
            for i in members { results[i] = .failure(error) }
        }
        try? ledger.compactIfDue(now: now)
        return (results, durable)
    }

    private func write(_ plans: inout [FilePlan], ids: [String], now: Int64) throws(StorageError) {
        for i in plans.indices { plans[i].offset = try files.endOffset(plans[i].fd, path: plans[i].path) }
        sequence += 1
        let intent = CommitIntent(
            sequence: sequence,
            segments: plans.map { CommitIntent.Segment(path: $0.path, offset: $0.offset, bytes: $0.bytes) },
            batchIDs: ids)
        // Nothing has touched a data file yet: a failure here needs no taking back.
        try journal.write(intent, faults: &faults)
        faults.reached(.afterJournalWrite)
        try journal.sync(faults: &faults)
        faults.reached(.afterJournalSync)
        do throws(StorageError) {
            for plan in plans { try files.append(plan.fd, plan.bytes, path: plan.path, faults: &faults) }
            faults.reached(.afterDataWrite)
            try ledger.append(ids, sequence: sequence, now: now, faults: &faults)
            faults.reached(.afterLedgerWrite)
            let syncStart = ContinuousClock.now
            try files.syncGroup(plans.map(\.fd), extra: ids.isEmpty ? [] : [ledger.fd], faults: &faults)
            lastSyncDuration = ContinuousClock.now - syncStart
            faults.reached(.afterSync)
        } catch {
            takeBack(plans, cause: error)
            throw error
        }
    }

    /// Cuts every file of a failed group back to where the group began and removes its ledger
    /// record. We cannot tell which bytes reached the disk, so every upload of the group is refused
    /// and the agents send them again.
    private func takeBack(_ plans: [FilePlan], cause: StorageError) {
        var whole = true
        for (i, plan) in plans.enumerated() {
            whole = files.cutBack(plan.fd, to: plan.offset) && whole
            if i == 0 { faults.reached(.midRollback) }
        }
        ledger.rollBackAppend()
        if !whole {
            unsettled = StorageError(
                errno: cause.errno, operation: "take back a failed commit (restart to recover)",
                path: cause.path)
        }
    }
}
