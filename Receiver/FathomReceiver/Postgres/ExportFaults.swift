import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Test-only crash seam of `export-tree`: `FATHOM_TEST_EXPORT_CRASH_AFTER_DATA=N` SIGKILLs the
/// process the N-th time a chunk's data is synced but its cursor not yet moved (the state a
/// rerun must repair). Unset, nothing happens.
enum ExportFaults {
    enum Step { case afterData }

    private static let count = Atomic(0)
    private static let limit: Int? = getenv("FATHOM_TEST_EXPORT_CRASH_AFTER_DATA").flatMap {
        Int(String(cString: $0))
    }

    static func reached(_ step: Step) {
        guard let limit else { return }
        if count.add(1, ordering: .relaxed).newValue == limit { kill(getpid(), SIGKILL) }
    }
}
