#if canImport(Glibc)
    import Glibc
#endif

/// A test-only seam into the commit: it makes the receiver die, or one operation fail, at a
/// named step, so tests can prove that an upload is stored exactly once (or not at all) whatever
/// step a crash or a full disk hits. Read once from the environment at start; empty otherwise.
///
/// - `FATHOM_TEST_CRASH_AT=<step>[:N]` sends SIGKILL to the receiver itself the Nth time (default
///   the first) the commit reaches the step.
/// - `FATHOM_TEST_FAIL_AT=<operation>:<ENOSPC|EIO|EDQUOT>[:N]` makes the Nth (default the first)
///   such operation fail with that errno, as a full or failing disk would.
///
/// ```sh
/// FATHOM_TEST_CRASH_AT=after-data-write:3 fathom-receiver ...   # dies in the third group commit
/// FATHOM_TEST_FAIL_AT=ledger-write:ENOSPC fathom-receiver ...    # the first ledger append fails
/// ```
struct CommitFaults: Sendable {
    /// Where a commit can be made to die.
    enum Step: String, CaseIterable, Sendable {
        case afterJournalWrite = "after-journal-write"
        case afterJournalSync = "after-journal-sync"
        case afterDataWrite = "after-data-write"
        case afterLedgerWrite = "after-ledger-write"
        case afterSync = "after-sync"
        /// The group is durable in the files but not yet folded into the sample index.
        case afterSyncBeforeIndex = "after-sync-before-index"
        case midRollback = "mid-rollback"
        case midRecovery = "mid-recovery"
        /// A forward batch is confirmed by the broker, its cursor not yet moved (`ArchiveForwarder`).
        case afterForwardConfirm = "after-forward-confirm"
    }

    /// Which operation can be made to fail.
    enum Operation: String, CaseIterable, Sendable {
        case journalWrite = "journal-write"
        case journalSync = "journal-sync"
        case dataWrite = "data-write"
        case ledgerWrite = "ledger-write"
        case sync = "sync"
    }

    private var crash: (step: Step, at: Int)?
    private var failure: (operation: Operation, errno: Int32, at: Int)?
    private var stepCounts: [Step: Int] = [:]
    private var operationCounts: [Operation: Int] = [:]

    static let none = CommitFaults()

    private init() {}

    /// The faults the environment asks for; throws on a misspelt request so a test cannot pass by
    /// injecting nothing.
    static func fromEnvironment() throws(StorageError) -> CommitFaults {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return try CommitFaults(crashAt: variable("FATHOM_TEST_CRASH_AT"), failAt: variable("FATHOM_TEST_FAIL_AT"))
    }

    /// `crashAt` is `<step>[:N]`, `failAt` is `<operation>:<errno name>[:N]`; nil or empty asks for nothing.
    init(crashAt: String?, failAt: String?) throws(StorageError) {
        if let text = crashAt, !text.isEmpty {
            let parts = text.split(separator: ":")
            guard let step = Step(rawValue: String(parts[0])), parts.count <= 2,
                let at = parts.count == 2 ? Int(parts[1]) : 1, at >= 1
            else { throw StorageError(errno: EINVAL, operation: "FATHOM_TEST_CRASH_AT", path: text) }
            crash = (step, at)
        }
        if let text = failAt, !text.isEmpty {
            let parts = text.split(separator: ":")
            let codes: [Substring: Int32] = ["ENOSPC": ENOSPC, "EIO": EIO, "EDQUOT": EDQUOT]
            guard parts.count >= 2, parts.count <= 3, let operation = Operation(rawValue: String(parts[0])),
                let code = codes[parts[1]], let at = parts.count == 3 ? Int(parts[2]) : 1, at >= 1
            else { throw StorageError(errno: EINVAL, operation: "FATHOM_TEST_FAIL_AT", path: text) }
            failure = (operation, code, at)
        }
    }

    /// Dies here if asked to (SIGKILL: no handler, no flush, exactly like `kill -9`).
    mutating func reached(_ step: Step) {
        guard let crash, crash.step == step else { return }
        stepCounts[step, default: 0] += 1
        if stepCounts[step] == crash.at { kill(getpid(), SIGKILL) }
    }

    /// The errno this operation must fail with this time, if any.
    mutating func injectedError(_ operation: Operation) -> Int32? {
        guard let failure, failure.operation == operation else { return nil }
        operationCounts[operation, default: 0] += 1
        return operationCounts[operation] == failure.at ? failure.errno : nil
    }
}
